import { packageTestConfig } from '../../vitest.package.ts';

// The browser tests make a model, a probe report and a server with the built CLI first.
export default packageTestConfig({ timeoutMs: 240_000 });
