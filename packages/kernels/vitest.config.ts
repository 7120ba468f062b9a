import { packageTestConfig } from '../../vitest.package';

export default packageTestConfig({ setupFile: true });
