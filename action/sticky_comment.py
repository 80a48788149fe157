#!/usr/bin/env python3
"""Keep ONE gates comment on a pull request: create it once, then edit it in place.

The comment is found by the hidden marker its body starts with (``<!-- gates:pr-comment -->``,
written by ``gates comment``). Standard library only, so the fork-PR ``workflow_run`` job can
run it without installing gates. Exit 0 when posted; 3 when the token may not write (a fork
pull request's read-only token: the ``workflow_run`` job posts instead); 1 on other failures.

    sticky_comment.py --repo OWNER/NAME --pr 12 --body reports/pr-comment.md
        [--api https://api.github.com] [--expect-head-sha SHA]   (token: $GITHUB_TOKEN)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

MARKER = "<!-- gates:pr-comment -->"
LIMIT = 65_536
READ_ONLY = 3


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


def _call(
    api: str, token: str, method: str, path: str, body: dict[str, str] | None = None
) -> object:
    url = path if path.startswith("http") else f"{api.rstrip('/')}{path}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - the API URL
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Accept", "application/vnd.github+json")
    request.add_header("X-GitHub-Api-Version", "2022-11-28")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            link = response.headers.get("Link", "")
    except urllib.error.HTTPError as exc:
        raise ApiError(exc.code, exc.read(2000).decode("utf-8", "replace")) from None
    result = json.loads(raw) if raw else None
    if isinstance(result, list) and 'rel="next"' in link:
        following = [p for p in link.split(",") if 'rel="next"' in p]
        next_url = following[0].split(";")[0].strip().strip("<>")
        rest = _call(api, token, method, next_url)
        assert isinstance(rest, list)
        result = result + rest
    return result


def find_comment(api: str, token: str, repo: str, pr: int) -> int | None:
    comments = _call(api, token, "GET", f"/repos/{repo}/issues/{pr}/comments?per_page=100")
    assert isinstance(comments, list)
    for comment in comments:
        if isinstance(comment, dict) and str(comment.get("body", "")).startswith(MARKER):
            return int(comment["id"])
    return None


def post(api: str, token: str, repo: str, pr: int, body: str) -> tuple[str, int]:
    """``("created" | "updated", comment id)``."""
    existing = find_comment(api, token, repo, pr)
    if existing is not None:
        _call(api, token, "PATCH", f"/repos/{repo}/issues/comments/{existing}", {"body": body})
        return "updated", existing
    made = _call(api, token, "POST", f"/repos/{repo}/issues/{pr}/comments", {"body": body})
    assert isinstance(made, dict)
    return "created", int(made["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True)
    parser.add_argument("--pr", required=True, type=int)
    parser.add_argument("--body", required=True, type=Path)
    parser.add_argument("--api", default=os.environ.get("GITHUB_API_URL", "https://api.github.com"))
    parser.add_argument("--expect-head-sha", default="")
    args = parser.parse_args(argv)
    token = os.environ.get("GITHUB_TOKEN", "")
    if not token:
        print("sticky_comment: GITHUB_TOKEN is not set", file=sys.stderr)
        return 1
    body = args.body.read_text(encoding="utf-8")
    if not body.startswith(MARKER) or len(body) > LIMIT:
        print(
            f"sticky_comment: {args.body} is not a gates comment within {LIMIT} characters",
            file=sys.stderr,
        )
        return 1
    try:
        if args.expect_head_sha:
            # workflow_run: the PR number comes from the untrusted run's artifact; it must be
            # the pull request whose head is the commit that run gated.
            pull = _call(args.api, token, "GET", f"/repos/{args.repo}/pulls/{args.pr}")
            head = pull.get("head", {}).get("sha") if isinstance(pull, dict) else None
            if head != args.expect_head_sha:
                print(
                    f"sticky_comment: PR {args.pr} head is {head}, not {args.expect_head_sha}",
                    file=sys.stderr,
                )
                return 1
        what, number = post(args.api, token, args.repo, args.pr, body)
    except ApiError as exc:
        if exc.status in (401, 403, 404):
            print(
                f"sticky_comment: the token may not comment ({exc}); on a fork pull request "
                "the workflow_run job posts it",
                file=sys.stderr,
            )
            return READ_ONLY
        print(f"sticky_comment: {exc}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"sticky_comment: {exc}", file=sys.stderr)
        return 1
    print(f"sticky_comment: {what} comment {number} on {args.repo}#{args.pr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
