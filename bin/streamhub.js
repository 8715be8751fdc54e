#!/usr/bin/env node
// The `streamhub` command (package.json "bin"): loads the TypeScript sources through tsx (a
// runtime dependency, as for `npm start`), so there is no build step.
import { register } from 'tsx/esm/api';

register();
const { cliMain } = await import('../src/cli/main.ts');
await cliMain();
