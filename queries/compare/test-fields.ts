// The fields every compared metric reports about its test, declared once for compare's raw,
// mix-adjusted, quality and cost metrics: the 95 % interval of the change and the test behind it.
import { Type } from '@sinclair/typebox';
import { nullable } from '../question.js';

export const TEST_FIELDS = {
  ciLow: nullable(Type.Number()),
  ciHigh: nullable(Type.Number()),
  pValue: nullable(Type.Number()),
  test: Type.String(),
};
