import { packageConfig } from '../../tsup.package';

export default packageConfig(['src/index.ts']);
