import { json, jsonParseLinter } from '@codemirror/lang-json';
import { forceLinting, linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { StateEffect } from '@codemirror/state';
import { EditorView, basicSetup } from 'codemirror';
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { useEffect, useRef } from 'react';

export interface Problem {
  path: string;
  rule: string;
  message: string;
}

/** 'tiers[2].when[0].all' as the keys and indexes jsonc-parser walks. */
export function pathSegments(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) =>
    m[2] !== undefined ? Number(m[2]) : m[1]!,
  );
}

/**
 * Where a problem's path is in the text: the value at the path, or, for a key that is
 * missing, the object that lacks it (the deepest node the path reaches).
 */
export function locate(text: string, path: string): { from: number; to: number } {
  const tree = parseTree(text);
  if (!tree) return { from: 0, to: 0 };
  const segments = pathSegments(path);
  for (let n = segments.length; n >= 0; n -= 1) {
    const node: Node | undefined = findNodeAtLocation(tree, segments.slice(0, n));
    if (!node) continue;
    // A property's value: mark its key too, where the reader's eye goes.
    const start = node.parent?.type === 'property' ? node.parent.offset : node.offset;
    // A whole object or array would cover the screen: its first line is enough.
    const end =
      node.type === 'object' || node.type === 'array'
        ? Math.min(node.offset + node.length, text.indexOf('\n', start) + 1 || text.length)
        : node.offset + node.length;
    return { from: start, to: Math.max(end, start + 1) };
  }
  return { from: 0, to: 0 };
}

/** The hub reported new problems: lint again, though the text did not change. */
const reportedAgain = StateEffect.define<null>();

const diagnosticsOf = (text: string, problems: Problem[]): Diagnostic[] =>
  problems.map((p) => ({
    ...locate(text, p.path),
    severity: 'error',
    source: p.rule,
    message: `${p.path}: ${p.message}`,
  }));

/**
 * A JSON editor (CodeMirror) that marks the validator's problems at their paths: syntax
 * errors as the text is typed, the hub's problems when it last validated.
 */
export function JsonEditor({
  value,
  onChange,
  problems,
  readOnly = false,
  focus,
}: {
  value: string;
  onChange?: (text: string) => void;
  problems: Problem[];
  readOnly?: boolean;
  /** A problem's path to scroll to and select. */
  focus?: { path: string; at: number };
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView>(undefined);
  const changed = useRef(onChange);
  const reported = useRef(problems);
  // Declared first: the effects below read what the latest render was given.
  useEffect(() => {
    changed.current = onChange;
    reported.current = problems;
  });

  useEffect(() => {
    view.current = new EditorView({
      parent: host.current!,
      doc: value,
      extensions: [
        basicSetup,
        json(),
        // One source for both, so that neither clears the other; paths are located afresh in
        // the text as it is edited.
        linter(
          (editor) => [
            ...jsonParseLinter()(editor),
            ...diagnosticsOf(editor.state.doc.toString(), reported.current),
          ],
          {
            needsRefresh: (update) =>
              update.transactions.some((t) => t.effects.some((e) => e.is(reportedAgain))),
          },
        ),
        lintGutter(),
        EditorView.editable.of(!readOnly),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) changed.current?.(update.state.doc.toString());
        }),
      ],
    });
    return () => view.current?.destroy();
    // The editor is made once per mount; later values arrive through the effects below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [readOnly]);

  useEffect(() => {
    const editor = view.current!;
    if (editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    view.current!.dispatch({ effects: reportedAgain.of(null) });
    forceLinting(view.current!);
  }, [problems]);

  useEffect(() => {
    if (!focus) return;
    const editor = view.current!;
    const { from, to } = locate(editor.state.doc.toString(), focus.path);
    editor.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
    editor.focus();
  }, [focus]);

  return <div className="json-editor" ref={host} data-testid="json-editor" />;
}
