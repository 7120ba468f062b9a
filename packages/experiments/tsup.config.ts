import { packageConfig } from '../../tsup.package';

export default packageConfig(['src/index.ts', 'src/node.ts']);
