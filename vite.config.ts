import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// One Vite config for Storybook and for every Vitest project. The engine's tests
// run in Node against real cr-sqlite and real sockets on loopback.
export default defineConfig({
  plugins: [react()],
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'engine',
          environment: 'node',
          include: ['engine/**/*.test.ts', 'server/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
