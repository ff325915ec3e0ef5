/** The environment variable a person's token may come from (see cli/session.ts readToken). */
export const TOKEN_VARIABLE = 'AITU_GATEWAY_TOKEN';
