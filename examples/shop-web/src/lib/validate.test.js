import { expect, it } from 'vitest';
import { validateEmail } from './validate.js';

it.each([
	['smoke@example.com', true],
	['no-at-sign', false],
	['a@b', false],
	['', false]
])('validateEmail(%s) is %s', (value, expected) => {
	expect(validateEmail(value)).toBe(expected);
});
