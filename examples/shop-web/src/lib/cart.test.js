import { describe, expect, it } from 'vitest';
import { addItem, cartTotal, emptyCart, removeItem } from './cart.js';

const tea = { sku: 'tea-01', name: 'Green tea', cents: 850 };
const mug = { sku: 'mug-02', name: 'Stoneware mug', cents: 1400 };

describe('cart', () => {
	it('starts empty', () => {
		expect(cartTotal(emptyCart())).toBe(0);
	});

	it('adds and merges lines', () => {
		let cart = addItem(emptyCart(), tea, 1);
		cart = addItem(cart, tea, 2);
		cart = addItem(cart, mug, 1);
		expect(cart).toHaveLength(2);
		expect(cartTotal(cart)).toBe(3 * 850 + 1400);
	});

	it('removes a line', () => {
		const cart = removeItem(addItem(addItem(emptyCart(), tea, 1), mug, 1), 'tea-01');
		expect(cart.map((l) => l.sku)).toEqual(['mug-02']);
	});

	it('refuses a non-positive quantity', () => {
		expect(() => addItem(emptyCart(), tea, 0)).toThrow(RangeError);
	});
});
