import { fail } from '@sveltejs/kit';
import { validateEmail } from '$lib/validate.js';

/** @type {import('./$types').Actions} */
export const actions = {
	default: async ({ request }) => {
		const data = await request.formData();
		const email = String(data.get('email') ?? '');
		if (!validateEmail(email)) return fail(400, { email, invalid: true });
		// A real deployment asks Supabase Auth for a magic link here.
		return { sent: true };
	}
};
