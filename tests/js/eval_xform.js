#!/usr/bin/env node
// Evaluates the calculations of built XForms on sample answers with Enketo's XPath engine
// (openrosa-xpath-evaluator), on a DOM from jsdom. Used by tests/forms/test_engine.py.
//
// stdin:  {"forms": [{"xform": "<path to .xml>", "cases": [<answers>, ...]}, ...]}
//         <answers> is what a surveyor entered, shaped as KoboToolbox returns a submission:
//         keys are full paths without the root ("grp/sub/q"), values strings, a repeat a
//         list of such objects.
// stdout: {"forms": [{"results": [{"answers": <the answers the device submits>,
//                                   "values": <flattened instance, same shape>,
//                                   "dropped": [<path of each answer dropped>, ...],
//                                   "passes": <n>,
//                                   "violations": [<path of each answer its constraint
//                                                   refuses>, ...]}, ...]}]}
//
// What it does, like a form engine filling a form: copy the primary instance, drop the
// repeat templates, add one repeat instance per answered row, set the answers, then go
// through the binds in document order until nothing changes: a `relevant` bind decides
// whether each node its nodeset selects is relevant (a node inside a non-relevant group or
// repeat instance is not relevant either); a `calculate` bind computes each relevant node
// it selects, with that node as context. As in Enketo, a non-relevant node is cleared at
// once, so calculations see it empty, and it is absent from what the device submits: an
// answer given to a question that is not relevant is dropped (listed in `dropped`), and
// the case is evaluated again from the start with the remaining answers, so `answers`,
// `values` and `passes` are those of the submission itself. Last, as a device does before
// it lets a surveyor move on, each `constraint` is evaluated on every relevant node with a
// value, with that node as context; those it refuses are listed in `violations`.
'use strict';

const fs = require('fs');
const { JSDOM } = require('jsdom');

const { window } = new JSDOM('', { contentType: 'text/html' });
for (const name of ['XPathResult', 'Node', 'Element', 'Document', 'Attr']) {
    global[name] = window[name];
}
// openrosa-xpath-evaluator calls XPathExpression.evaluate(node) without a result type, which
// browsers read as ANY_TYPE (0) but jsdom rejects: supply the default.
const NativeEvaluator = window.XPathEvaluator;
global.XPathEvaluator = function XPathEvaluator() {
    const native = new NativeEvaluator();
    return {
        createExpression(expression, resolver) {
            const compiled = native.createExpression(expression, resolver);
            return {
                evaluate: (node, type, result) => compiled.evaluate(node, type || 0, result || null),
            };
        },
        evaluate: (expression, node, resolver, type, result) =>
            native.evaluate(expression, node, resolver, type || 0, result || null),
        createNSResolver: (node) => native.createNSResolver(node),
    };
};
const evaluator = require('openrosa-xpath-evaluator')();

const MAX_PASSES = 10;

function elementChildren(node) {
    return Array.from(node.childNodes).filter((n) => n.nodeType === Node.ELEMENT_NODE);
}

function loadForm(path) {
    const xml = fs.readFileSync(path, 'utf8');
    const doc = new window.DOMParser().parseFromString(xml, 'text/xml');
    const model = doc.getElementsByTagName('model')[0];
    const primary = elementChildren(model).find(
        (n) => n.localName === 'instance' && !n.getAttribute('id')
    );
    const root = elementChildren(primary)[0];
    const binds = elementChildren(model).filter(
        (n) => n.localName === 'bind' && (n.getAttribute('calculate') || n.getAttribute('relevant'))
    );
    const checks = elementChildren(model).filter(
        (n) => n.localName === 'bind' && n.getAttribute('constraint')
    );
    return { root, binds, checks };
}

// A namespace-free copy of the primary instance; repeat templates are kept aside.
function copyInstance(sourceRoot) {
    const doc = window.document.implementation.createDocument(null, null, null);
    const templates = new Map(); // repeat path -> { template, parent, anchor }
    function copy(source, path) {
        const element = doc.createElement(source.localName);
        for (const child of elementChildren(source)) {
            const childPath = path ? `${path}/${child.localName}` : child.localName;
            const isTemplate = Array.from(child.attributes).some((a) => a.localName === 'template');
            if (isTemplate) {
                const anchor = doc.createComment(childPath);
                element.appendChild(anchor);
                templates.set(childPath, { template: copy(child, childPath), parent: element, anchor });
            } else if (!templates.has(childPath)) {
                element.appendChild(copy(child, childPath));
            }
        }
        if (!elementChildren(source).length) {
            element.textContent = source.textContent;
        }
        return element;
    }
    const root = copy(sourceRoot, '');
    doc.appendChild(root);
    // pyxform also writes one default instance of each repeat after its template: drop it.
    for (const [path, entry] of templates) {
        const name = path.split('/').pop();
        for (const child of elementChildren(entry.parent)) {
            if (child.localName === name) entry.parent.removeChild(child);
        }
    }
    return { doc, root, templates, answered: new Set(), irrelevant: new Set() };
}

function fill(state, element, basePath, answers) {
    for (const [key, value] of Object.entries(answers)) {
        const relative = basePath ? key.slice(basePath.length + 1) : key;
        if (basePath && !key.startsWith(`${basePath}/`)) {
            throw new Error(`answer ${key} is not inside ${basePath}`);
        }
        if (Array.isArray(value)) {
            const entry = state.templates.get(key);
            if (!entry) throw new Error(`${key} is not a repeat of the form`);
            const parent = locate(element, relative.split('/').slice(0, -1), key);
            const anchor = parent === entry.parent ? entry.anchor : null;
            for (const row of value) {
                const instance = entry.template.cloneNode(true);
                // Nested repeats: templates are looked up by path, so clones carry none.
                parent.insertBefore(instance, anchor);
                fill(state, instance, key, row);
            }
            continue;
        }
        const node = locate(element, relative.split('/'), key);
        node.textContent = String(value);
        state.answered.add(node);
    }
}

function locate(element, steps, key) {
    let node = element;
    for (const step of steps) {
        const next = elementChildren(node).filter((n) => n.localName === step);
        if (!next.length) throw new Error(`no node for ${key} (at ${step})`);
        node = next[next.length - 1];
    }
    return node;
}

function isRelevant(state, node) {
    for (let n = node; n; n = n.parentNode) {
        if (state.irrelevant.has(n)) return false;
    }
    return true;
}

function pathOf(state, node) {
    const steps = [];
    for (let n = node; n && n !== state.root; n = n.parentNode) {
        const same = elementChildren(n.parentNode).filter((c) => c.localName === n.localName);
        steps.unshift(same.length > 1 ? `${n.localName}[${same.indexOf(n) + 1}]` : n.localName);
    }
    return steps.join('/');
}

// Clear a node that is not relevant; answers cleared are reported as dropped.
function clear(state, node, dropped) {
    const leaves = elementChildren(node).length ? node.getElementsByTagName('*') : [node];
    let changed = false;
    for (const leaf of Array.from(leaves)) {
        if (elementChildren(leaf).length || leaf.textContent === '') continue;
        if (state.answered.has(leaf)) dropped.push(pathOf(state, leaf));
        leaf.textContent = '';
        changed = true;
    }
    return changed;
}

function evaluateBinds(state, binds) {
    const dropped = [];
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
        let changed = false;
        for (const bind of binds) {
            const nodes = evaluator.evaluate(
                bind.getAttribute('nodeset'), state.doc, null,
                XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null
            );
            const relevant = bind.getAttribute('relevant');
            const calculate = bind.getAttribute('calculate');
            for (let i = 0; i < nodes.snapshotLength; i++) {
                const node = nodes.snapshotItem(i);
                if (relevant) {
                    const holds = evaluator.evaluate(
                        relevant, node, null, XPathResult.BOOLEAN_TYPE, null
                    ).booleanValue;
                    if (holds === state.irrelevant.has(node)) {
                        if (holds) state.irrelevant.delete(node);
                        else state.irrelevant.add(node);
                        changed = true;
                    }
                }
                if (!isRelevant(state, node)) {
                    changed = clear(state, node, dropped) || changed;
                    continue;
                }
                if (!calculate) continue;
                const value = evaluator.evaluate(
                    calculate, node, null, XPathResult.STRING_TYPE, null
                ).stringValue;
                if (node.textContent !== value) {
                    node.textContent = value;
                    changed = true;
                }
            }
        }
        if (!changed) return { passes: pass, dropped };
    }
    throw new Error(`calculations did not settle in ${MAX_PASSES} passes`);
}

// The answers still set after evaluation, in the shape they were given.
function submitted(state, element, path, out) {
    for (const child of elementChildren(element)) {
        const childPath = path ? `${path}/${child.localName}` : child.localName;
        if (state.templates.has(childPath)) {
            if (!isRelevant(state, child)) continue;
            (out[childPath] = out[childPath] || []).push(submitted(state, child, childPath, {}));
        } else if (elementChildren(child).length) {
            submitted(state, child, childPath, out);
        } else if (state.answered.has(child) && child.textContent !== '') {
            out[childPath] = child.textContent;
        }
    }
    return out;
}

// The instance as KoboToolbox returns it: relevant nodes with a value.
function flatten(state, element, path, out) {
    for (const child of elementChildren(element)) {
        const childPath = path ? `${path}/${child.localName}` : child.localName;
        if (!isRelevant(state, child)) continue;
        if (state.templates.has(childPath)) {
            const row = {};
            flatten(state, child, childPath, row);
            (out[childPath] = out[childPath] || []).push(row);
        } else if (elementChildren(child).length) {
            flatten(state, child, childPath, out);
        } else if (child.textContent !== '') {
            out[childPath] = child.textContent;
        }
    }
    return out;
}

function violations(state, checks) {
    const refused = [];
    for (const bind of checks) {
        const nodes = evaluator.evaluate(
            bind.getAttribute('nodeset'), state.doc, null,
            XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null
        );
        for (let i = 0; i < nodes.snapshotLength; i++) {
            const node = nodes.snapshotItem(i);
            if (!isRelevant(state, node) || node.textContent === '') continue;
            const holds = evaluator.evaluate(
                bind.getAttribute('constraint'), node, null, XPathResult.BOOLEAN_TYPE, null
            ).booleanValue;
            if (!holds) refused.push(pathOf(state, node));
        }
    }
    return refused;
}

function run(input) {
    return {
        forms: input.forms.map((form) => {
            const { root, binds, checks } = loadForm(form.xform);
            return {
                results: form.cases.map((answers) => {
                    const dropped = [];
                    let given = answers;
                    for (let attempt = 0; attempt < MAX_PASSES; attempt++) {
                        const state = copyInstance(root);
                        fill(state, state.root, '', given);
                        const result = evaluateBinds(state, binds);
                        if (!result.dropped.length) {
                            const values = flatten(state, state.root, '', {});
                            return {
                                answers: given,
                                values,
                                dropped,
                                passes: result.passes,
                                violations: violations(state, checks),
                            };
                        }
                        dropped.push(...result.dropped);
                        given = submitted(state, state.root, '', {});
                    }
                    throw new Error('relevance did not settle');
                }),
            };
        }),
    };
}

const input = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(run(input)));
