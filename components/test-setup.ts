import { cleanup } from '@testing-library/react';
import { afterEach, beforeAll } from 'vitest';
import './greenlight.css';
// After the kit's stylesheet, so the pinned font family wins over its default.
import { pinnedFontsLoaded } from '../.storybook/pinned-fonts.ts';

// Vitest runs without globals, so Testing Library cannot register its own cleanup.
afterEach(() => cleanup());

// The same npm fonts as Storybook, so layout measured in a test matches what designers review.
beforeAll(() => pinnedFontsLoaded());
