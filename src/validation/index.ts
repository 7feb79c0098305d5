export { checkCreditCode } from './credit-code';
export { checkMobile } from './mobile';
export { checkPlate } from './plate';
export { checkResidentId } from './resident-id';
export type { ResidentId } from './resident-id';
export type { Checked, Violation } from './result';
export { checkUuid } from './uuid';
export { checkVin } from './vin';
export { DASHES, halfWidth, typedIdentifier, ungrouped } from './width';
