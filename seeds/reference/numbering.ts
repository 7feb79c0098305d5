// MIIT numbering plan: mobile numbers start with 1, a network digit of 3-9, then a prefix.
export const MOBILE_PREFIXES = [
  '130',
  '131',
  '132',
  '133',
  '134',
  '135',
  '136',
  '137',
  '138',
  '139',
  '150',
  '151',
  '152',
  '153',
  '155',
  '156',
  '157',
  '158',
  '159',
  '166',
  '173',
  '175',
  '176',
  '177',
  '178',
  '180',
  '181',
  '182',
  '183',
  '185',
  '186',
  '187',
  '188',
  '189',
  '191',
  '198',
  '199',
];
// ISO 3780 world manufacturer identifiers of Chinese plants (SAIC-VW, FAW-VW, GAC Honda, ...).
export const FUEL_WMIS = [
  'LSV',
  'LFV',
  'LGB',
  'LHG',
  'LVG',
  'LSG',
  'LFM',
  'LBV',
  'LVS',
  'LGW',
  'LZW',
];
export const NEW_ENERGY_WMIS = ['LGX', 'LRW', 'L6T', 'LNB'];

// ISO 3779 position 10, the model year: A = 2010 ... Y = 2030, then 1-9 = 2031-2039, and the
// cycle starts again at A = 2040 (I, O, Q, U, Z and 0 are never used).
export const MODEL_YEAR_CODES = 'ABCDEFGHJKLMNPRSTVWXY123456789';
export const MODEL_YEAR_CYCLE_START = 2010;

// GA 36-2018: plate serials use the digits and the letters other than I and O.
export const PLATE_CHARACTERS = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
