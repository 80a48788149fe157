/**
 * A cart is an immutable list of {sku, name, cents, qty} lines.
 * @typedef {{sku: string, name: string, cents: number, qty: number}} Line
 */

/** @returns {Line[]} */
export function emptyCart() {
	return [];
}

/**
 * @param {Line[]} cart
 * @param {{sku: string, name: string, cents: number}} product
 * @param {number} qty
 * @returns {Line[]}
 */
export function addItem(cart, product, qty) {
	if (!Number.isInteger(qty) || qty <= 0) throw new RangeError('qty must be a positive integer');
	const existing = cart.find((line) => line.sku === product.sku);
	if (existing) {
		return cart.map((line) => (line.sku === product.sku ? { ...line, qty: line.qty + qty } : line));
	}
	return [...cart, { ...product, qty }];
}

/**
 * @param {Line[]} cart
 * @param {string} sku
 * @returns {Line[]}
 */
export function removeItem(cart, sku) {
	return cart.filter((line) => line.sku !== sku);
}

/** @param {Line[]} cart */
export function cartTotal(cart) {
	return cart.reduce((sum, line) => sum + line.cents * line.qty, 0);
}
