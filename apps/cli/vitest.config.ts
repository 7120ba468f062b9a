import { packageTestConfig } from '../../vitest.package';

export default packageTestConfig({ timeoutMs: 120_000 });
