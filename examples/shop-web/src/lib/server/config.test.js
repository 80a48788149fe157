import { expect, it } from 'vitest';
import { readConfig } from './config.js';

it('reads and normalises the settings', () => {
	const cfg = readConfig({
		PUBLIC_SUPABASE_URL: 'https://example.supabase.co/',
		SUPABASE_SERVICE_ROLE_KEY: 'placeholder',
		COMMIT_SHA: 'abc123'
	});
	expect(cfg).toEqual({ url: 'https://example.supabase.co', serviceRole: 'placeholder', commit: 'abc123' });
});

it('defaults the commit', () => {
	const cfg = readConfig({ PUBLIC_SUPABASE_URL: 'https://x', SUPABASE_SERVICE_ROLE_KEY: 'k' });
	expect(cfg.commit).toBe('unknown');
});

it('names a missing key', () => {
	expect(() => readConfig({ SUPABASE_SERVICE_ROLE_KEY: 'k' })).toThrow('PUBLIC_SUPABASE_URL');
	expect(() => readConfig({ PUBLIC_SUPABASE_URL: 'https://x' })).toThrow('SUPABASE_SERVICE_ROLE_KEY');
});
