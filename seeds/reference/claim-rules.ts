/** Rules of the claims rule base that the seed fires: code, description, weight. */
export const RULES = {
  R017: ['report after 21:00 (possible drunk driving)', '12.5'],
  R042: ['reported more than 48 hours after the accident', '15.0'],
  R088: ['mobile number shared with other claimants', '35.0'],
  R102: ['survey more than 3 days late', '10.0'],
  R118: ['single-party accident at night', '14.5'],
  R150: ['reserve above 50,000 CNY', '7.5'],
  R205: ['accident within 30 days of the policy start', '18.0'],
  R230: ['third claim within 12 months', '20.0'],
  R231: ['two or more claims in the last 3 years', '10.0'],
  R240: ['injury claim on record', '6.5'],
  R275: ['parts priced more than 20% above market', '22.5'],
  R311: ['injury claim', '8.0'],
  R320: ['payee differs from the insured', '16.0'],
  R360: ['repair shop with repeated claims', '25.0'],
  R405: ['operating use (ride-hailing or freight)', '15.0'],
  R430: ['new-energy vehicle (battery risk)', '5.0'],
  R499: ['odometer reading inconsistent with vehicle age', '35.0'],
} as const;
export type RuleCode = keyof typeof RULES;
