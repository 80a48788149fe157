import { json } from '@sveltejs/kit';
import { env } from '$env/dynamic/private';

export function GET() {
	return json({ commit: env.COMMIT_SHA ?? 'unknown' });
}
