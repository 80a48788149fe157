const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** @param {string} value */
export function validateEmail(value) {
	return typeof value === 'string' && value.length <= 254 && EMAIL.test(value);
}
