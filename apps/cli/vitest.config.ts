import { packageTestConfig } from '../../vitest.package.ts';

export default packageTestConfig({ timeoutMs: 120_000 });
