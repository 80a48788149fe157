export default {}; // stand-in for vite.config.ts
