/**
 * The patient page's documentation panel (#documentation): the month's five questions, each pre-filled
 * from the data where the data answers it (documentation-prefill.ts) and editable, with what is still
 * missing for the claim. Saving sends only the answers that changed, so two people documenting the same
 * month do not overwrite each other's other answers. Drafts being typed survive a reload of the data
 * (after a call or a therapy change is recorded elsewhere on the page).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api/client.ts';
import { endpoints, type Documentation, type Patient } from '../api/endpoints.ts';
import { Async, ErrorNotice } from '../components/status.tsx';
import { useLoad } from '../components/use-load.ts';
import { formatMonth } from '../components/format.ts';
import { QUESTIONS, QUESTION_LABEL, missingQuestions, type QuestionKey } from './documentation-questions.ts';
import { prefillOf, type Prefill } from './documentation-prefill.ts';
import type { PatientWorkProps } from './patient-work-props.ts';
import { announceWorkRecorded, useWorkRecorded } from './work-events.ts';
import type { DataReviewRow, DocumentationAnswers } from './work-types.ts';

type Drafts = Record<QuestionKey, string>;

const savedText = (answers: DocumentationAnswers, key: QuestionKey) => answers[key] ?? '';

function initialDrafts(answers: DocumentationAnswers, prefill: Prefill): Drafts {
  const drafts = {} as Drafts;
  for (const q of QUESTIONS) drafts[q.key] = savedText(answers, q.key).trim() ? savedText(answers, q.key) : (prefill.suggestions[q.key]?.text ?? '');
  return drafts;
}

function QuestionStatus({ saved, suggested, missing, derived }: { saved: boolean; suggested: boolean; missing: boolean; derived: boolean }) {
  if (saved) return <span class="badge good">Answered</span>;
  if (suggested) return <span class="badge info">Suggested, not saved</span>;
  if (missing) return <span class="badge bad">Missing</span>;
  return derived ? <span class="badge good">From the data</span> : null;
}

function DocumentationEditor({ patient, doc, reviews, onSaved }: { patient: Patient; doc: Documentation; reviews: DataReviewRow[]; onSaved: () => void }) {
  const id = (name: string) => `doc-${name}-${patient.id}`;
  const prefill = useMemo(() => prefillOf(doc, reviews, patient), [doc, reviews, patient]);
  const [drafts, setDrafts] = useState<Drafts>(() => initialDrafts(doc.answers, prefill));
  const [edited, setEdited] = useState<ReadonlySet<QuestionKey>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  // fresh data (a save, or work recorded elsewhere on the page) updates every field not being edited
  useEffect(() => {
    const fresh = initialDrafts(doc.answers, prefill);
    setDrafts((current) => {
      const next = { ...fresh };
      for (const key of edited) next[key] = current[key];
      return next;
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [doc, prefill]);

  const missing = missingQuestions(doc.answers, { diagnosis: patient.diagnosis, communications: doc.communications.length });
  const changed = QUESTIONS.filter((q) => drafts[q.key].trim() !== savedText(doc.answers, q.key).trim()).map((q) => q.key);

  async function save() {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const body: Partial<Record<QuestionKey, string | null>> = {};
      for (const key of changed) body[key] = drafts[key].trim() ? drafts[key].trim() : null;
      await api(endpoints.saveDocumentation, { params: { patientId: patient.id, month: doc.month }, body });
      setEdited(new Set());
      setNotice(`Saved ${changed.length === 1 ? '1 answer' : `${changed.length} answers`} for ${formatMonth(doc.month)}.`);
      // the work event re-reads the documentation (and the other panels): the saved answers replace the drafts
      announceWorkRecorded(patient.id);
      onSaved();
    } catch (failure) {
      setError(failure as Error);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      class="documentation-form"
      aria-label={`Documentation for ${formatMonth(doc.month)}`}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {missing.length === 0 ? (
        <p class="ok" data-testid="documentation-missing">
          Every question is answered for {formatMonth(doc.month)}.
        </p>
      ) : (
        <p class="warn-text" data-testid="documentation-missing">
          Still missing for the claim (until saved): {missing.map((k) => QUESTION_LABEL[k]).join(' · ')}
        </p>
      )}
      {QUESTIONS.map((q) => {
        const saved = savedText(doc.answers, q.key).trim().length > 0;
        const suggestion = prefill.suggestions[q.key];
        const showsSuggestion = !saved && !!suggestion && drafts[q.key] === suggestion.text;
        const derived = prefill.derived[q.key];
        return (
          <div class="field question" key={q.key} data-question={q.key}>
            <div class="question-head">
              <label for={id(q.key)}>{q.label}</label>
              <QuestionStatus saved={saved} suggested={showsSuggestion} missing={missing.includes(q.key)} derived={!!derived} />
            </div>
            <p class="hint" id={id(`${q.key}-hint`)}>
              {q.hint}
              {showsSuggestion ? <> Pre-filled from {suggestion.from}: edit it if needed, it is saved when you save.</> : null}
            </p>
            {derived ? (
              <ul class="derived" aria-label={`From the data: ${q.label}`}>
                {derived.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            ) : null}
            <textarea
              id={id(q.key)}
              maxLength={4000}
              value={drafts[q.key]}
              aria-describedby={id(`${q.key}-hint`)}
              onInput={(e) => {
                const value = e.currentTarget.value;
                setDrafts((d) => ({ ...d, [q.key]: value }));
                setEdited((s) => new Set(s).add(q.key));
              }}
            />
          </div>
        );
      })}
      <div class="row">
        <button type="submit" disabled={busy || changed.length === 0}>
          Save documentation
        </button>
        <span class="muted" role="status">
          {changed.length > 0 ? `${changed.length === 1 ? '1 answer' : `${changed.length} answers`} not saved yet` : notice ? '' : 'No unsaved changes'}
        </span>
      </div>
      {notice ? (
        <p class="ok" role="status">
          {notice}
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
    </form>
  );
}

export function DocumentationForm({ patient, month, onChanged }: PatientWorkProps) {
  const data = useLoad(
    async (signal) => {
      const [doc, reviews] = await Promise.all([
        api(endpoints.documentation, { params: { patientId: patient.id, month }, signal }),
        api(endpoints.dataReviews, { params: { patientId: patient.id }, query: { month }, signal }),
      ]);
      return { doc, reviews: reviews.reviews };
    },
    [patient.id, month],
  );
  useWorkRecorded(patient.id, () => void data.reload());
  return (
    <div class="patient-work">
      <Async state={data} what="this month's documentation">
        {({ doc, reviews }) => (
          <DocumentationEditor
            patient={patient}
            doc={doc}
            reviews={reviews}
            onSaved={onChanged}
          />
        )}
      </Async>
    </div>
  );
}
