const euro = new Intl.NumberFormat('en-IE', { style: 'currency', currency: 'EUR' });

/** @param {number} cents */
export function formatPrice(cents) {
	if (!Number.isFinite(cents)) return '–';
	return euro.format(cents / 100);
}
