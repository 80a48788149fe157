import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
	plugins: [sveltekit()],
	test: {
		include: ['src/**/*.test.js'],
		reporters: ['default', 'junit'],
		outputFile: { junit: 'reports/raw/vitest.xml' },
		coverage: {
			provider: 'v8',
			reporter: ['text', 'lcov', 'cobertura', 'json-summary'],
			reportsDirectory: 'coverage',
			include: ['src/lib/**/*.js'],
			exclude: ['src/lib/**/*.test.js']
		}
	}
});
