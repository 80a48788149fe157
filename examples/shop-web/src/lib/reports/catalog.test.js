import { expect, it } from 'vitest';
import { CATALOG, summarise } from './catalog.js';

it('summarises units per region', () => {
	const s = summarise([
		{ region: 'north', units: 2 },
		{ region: 'south', units: 5 },
		{ region: 'north', units: 4 }
	]);
	expect(s).toEqual({
		count: 3,
		regions: 2,
		byRegion: [
			{ region: 'north', units: 6 },
			{ region: 'south', units: 5 }
		]
	});
	expect(CATALOG.length).toBe(900);
});
