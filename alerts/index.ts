// The alerts' public types (`verdict/alerts`): what /api/alerts answers.
export type { Alert } from './episodes.js';
