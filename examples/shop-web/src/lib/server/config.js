/**
 * Server-only settings. Nothing here may reach the browser: SvelteKit refuses to bundle
 * $lib/server/** into client code.
 * @param {Record<string, string | undefined>} env
 */
export function readConfig(env) {
	const url = env.PUBLIC_SUPABASE_URL;
	const serviceRole = env.SUPABASE_SERVICE_ROLE_KEY;
	if (!url) throw new Error('PUBLIC_SUPABASE_URL is not set');
	if (!serviceRole) throw new Error('SUPABASE_SERVICE_ROLE_KEY is not set');
	return { url: url.replace(/\/+$/, ''), serviceRole, commit: env.COMMIT_SHA ?? 'unknown' };
}
