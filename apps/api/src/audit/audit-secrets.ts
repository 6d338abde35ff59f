/**
 * The field of an entry's before/after state that only readers who may see webhook
 * URLs (canSeeWebhookUrls) see: a channel's target, a site's webhook URL. Others get
 * it hidden in the answer and unmatched by the free-text search.
 */
const SECRET_FIELD_BY_TYPE: Record<string, string> = { notification_channel: 'target' };
const DEFAULT_SECRET_FIELD = 'webhookUrl';

export const secretFieldOf = (entityType: string): string => SECRET_FIELD_BY_TYPE[entityType] ?? DEFAULT_SECRET_FIELD;

/**
 * SQL for the state in `column` (before or after) without the entry's secret field:
 * what a reader who may not see it can match. JSON_REMOVE of an absent path leaves
 * the document as it is. Only constants go into the text, never input.
 */
export function withoutSecretSql(column: string): string {
  const cases = Object.entries(SECRET_FIELD_BY_TYPE)
    .map(([type, field]) => `WHEN a.entity_type = '${type}' THEN JSON_REMOVE(${column}, '$.${field}')`)
    .join(' ');
  return `CASE ${cases} ELSE JSON_REMOVE(${column}, '$.${DEFAULT_SECRET_FIELD}') END`;
}
