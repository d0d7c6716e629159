/**
 * Alerts: the rule engine's findings and what staff did about them. Read by the clinic's clinical roles
 * (with the patient's reference and name; support never sees alerts); acted on only by a person (clinician,
 * coordinator, admin), attributed to the user in alert_history and the audit log. An action the alert's
 * status does not allow is 409 `illegal_transition`. Also the organisation's rule settings.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DEFAULT_RULES, mergeRules } from '../../../clinical/alert-rules.ts';
import { actOnAlert, AlertActionError, findAlert, listAlerts, type AlertAction, type AlertHistoryEntry, type AlertRecord } from '../../../clinical/alert-repository.ts';
import { loadAlertSettings, saveAlertSettings } from '../../../clinical/alert-settings-repository.ts';
import { CLINICAL_ROLES, auditActor, requireUser } from '../../auth/roles.ts';
import { ApiError, notFound, unprocessable } from '../../errors.ts';
import { principalOf } from '../../plugins/auth.ts';
import type { Principal } from '../../auth/roles.ts';
import { ErrorBody, iso } from '../common-schemas.ts';
import { AlertList, AlertParams, AlertRules, AlertRulesBody, AlertWithHistory, AssignBody, DismissBody, ListAlertsQuery, ResolveBody } from './schemas.ts';

const ACTORS = ['clinician', 'coordinator', 'admin'] as const;
const RULE_WRITERS = ['clinician', 'admin'] as const;

const alertView = (a: AlertRecord) => ({
  id: String(a.id),
  patient: a.patient,
  rule: a.rule,
  episodeKey: a.episodeKey,
  severity: a.severity,
  status: a.status,
  title: a.title,
  detail: a.detail,
  evidence: a.evidence,
  conditionSince: iso(a.conditionSince)!,
  raisedAt: iso(a.raisedAt)!,
  lastSeenAt: iso(a.lastSeenAt)!,
  assigneeId: a.assigneeId,
  acknowledgedBy: a.acknowledgedBy,
  acknowledgedAt: iso(a.acknowledgedAt),
  closedBy: a.closedBy,
  closedAt: iso(a.closedAt),
  outcome: a.outcome,
  note: a.note,
  dismissReason: a.dismissReason,
  escalatedAt: iso(a.escalatedAt),
  escalatedTo: a.escalatedTo,
});

const withHistory = (r: { alert: AlertRecord; history: AlertHistoryEntry[] }) => ({
  ...alertView(r.alert),
  history: r.history.map((h) => ({ id: h.id, at: iso(h.at)!, action: h.action, userId: h.userId, note: h.note, detail: h.detail })),
});

function apiErrorOf(error: unknown): unknown {
  if (!(error instanceof AlertActionError)) return error;
  if (error.code === 'not_found') return notFound('alert');
  if (error.code === 'illegal_transition') return new ApiError(409, 'illegal_transition', error.message, error.details);
  return unprocessable(error.code, error.message);
}

export async function alertRoutes(app: FastifyInstance): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/alerts',
    { schema: { tags: ['clinical'], summary: 'Alerts, newest first (default: live = open and acknowledged)', querystring: ListAlertsQuery, response: { 200: AlertList } }, config: { roles: CLINICAL_ROLES } },
    async (request) => {
      const principal = principalOf(request);
      const q = request.query;
      const assignee = q.assignee === 'me' ? requireUser(principal).id : q.assignee;
      const page = await listAlerts(app.db, principal.orgId, {
        statuses: q.status,
        severity: q.severity,
        rule: q.rule,
        patientId: q.patientId,
        assignee,
        limit: q.limit,
        before: q.cursor ? Number(q.cursor) : undefined,
      });
      return { alerts: page.alerts.map(alertView), next: page.next === null ? null : String(page.next) };
    },
  );

  r.get(
    '/alerts/:alertId',
    { schema: { tags: ['clinical'], summary: 'One alert with its history', params: AlertParams, response: { 200: AlertWithHistory, 404: ErrorBody } }, config: { roles: CLINICAL_ROLES } },
    async (request) => {
      const principal = principalOf(request);
      const found = await findAlert(app.db, principal.orgId, Number(request.params.alertId));
      if (!found) throw notFound('alert');
      return withHistory(found);
    },
  );

  const act = async (principal: Principal, alertId: string, action: AlertAction) => {
    const user = requireUser(principal);
    try {
      return withHistory(await actOnAlert(app.db, { orgId: principal.orgId, alertId: Number(alertId), userId: user.id, actor: auditActor(principal).actor, action }));
    } catch (error) {
      throw apiErrorOf(error);
    }
  };
  const actionSchema = (summary: string, body?: typeof ResolveBody | typeof DismissBody | typeof AssignBody) => ({
    tags: ['clinical'],
    summary,
    params: AlertParams,
    ...(body ? { body } : {}),
    response: { 200: AlertWithHistory, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
  });

  r.post(
    '/alerts/:alertId/acknowledge',
    { schema: actionSchema('Acknowledge an open alert (an unassigned alert is assigned to you)'), config: { roles: ACTORS, person: true } },
    async (request) => act(principalOf(request), request.params.alertId, { kind: 'acknowledge' }),
  );

  r.post(
    '/alerts/:alertId/resolve',
    { schema: { ...actionSchema('Resolve a live alert with an outcome and a note'), body: ResolveBody }, config: { roles: ACTORS, person: true } },
    async (request) => act(principalOf(request), request.params.alertId, { kind: 'resolve', outcome: request.body.outcome, note: request.body.note }),
  );

  r.post(
    '/alerts/:alertId/dismiss',
    { schema: { ...actionSchema('Dismiss a live alert with a reason'), body: DismissBody }, config: { roles: ACTORS, person: true } },
    async (request) => act(principalOf(request), request.params.alertId, { kind: 'dismiss', reason: request.body.reason }),
  );

  r.post(
    '/alerts/:alertId/assign',
    { schema: { ...actionSchema('Assign a live alert to a clinician, coordinator or admin of the organisation'), body: AssignBody }, config: { roles: ACTORS, person: true } },
    async (request) => act(principalOf(request), request.params.alertId, { kind: 'assign', userId: request.body.userId }),
  );

  const rulesView = (s: Awaited<ReturnType<typeof loadAlertSettings>>) => ({
    rules: s.rules as Record<string, unknown>,
    escalateAfterMinutes: s.escalateAfterMinutes,
    defaults: DEFAULT_RULES as unknown as Record<string, unknown>,
    effective: mergeRules(s.rules, undefined) as unknown as Record<string, unknown>,
  });

  r.get(
    '/clinical/alert-rules',
    { schema: { tags: ['clinical'], summary: "The organisation's alert rule settings", response: { 200: AlertRules } }, config: { roles: CLINICAL_ROLES } },
    async (request) => rulesView(await loadAlertSettings(app.db, principalOf(request).orgId)),
  );

  r.put(
    '/clinical/alert-rules',
    { schema: { tags: ['clinical'], summary: "Replace the organisation's alert rule overrides and escalation time", body: AlertRulesBody, response: { 200: AlertRules } }, config: { roles: RULE_WRITERS, person: true } },
    async (request) => {
      const principal = principalOf(request);
      const user = requireUser(principal);
      const saved = await app.db.transaction((tx) =>
        saveAlertSettings(tx, { orgId: principal.orgId, rules: request.body.rules, escalateAfterMinutes: request.body.escalateAfterMinutes, actor: auditActor(principal).actor, userId: user.id }),
      );
      return rulesView(saved);
    },
  );
}

