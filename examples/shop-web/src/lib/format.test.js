import { expect, it } from 'vitest';
import { formatPrice } from './format.js';

it('formats cents as euros', () => {
	expect(formatPrice(850)).toBe('€8.50');
	expect(formatPrice(0)).toBe('€0.00');
});

it('shows a dash for a non-number', () => {
	expect(formatPrice(Number.NaN)).toBe('–');
});
