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
//
// Speed: jsdom's XPath is slow, and the evaluator hands it each location path of an
// expression every time the expression is evaluated. Evaluating binds never changes which
// elements an instance has (only their values), so what a path of plain steps selects is
// kept per document (see `select`), and an instance is kept per shape of the answers (the
// rows of each repeat) and reset to its initial values for the next case with that shape
// (see `newState`). The results are those of a fresh copy per case, evaluated uncached.
'use strict';

const fs = require('fs');
const { JSDOM } = require('jsdom');

const { window } = new JSDOM('', { contentType: 'text/html' });
for (const name of ['XPathResult', 'Node', 'Element', 'Document', 'Attr']) {
    global[name] = window[name];
}

// openrosa-xpath-evaluator evaluates operators, function calls and predicates itself and
// hands each location path in between (`/data/grp/q`, `.`, `../q`) to the browser's
// XPathEvaluator, here jsdom's. A path of name tests, `*`, `.` and `..` selects elements by
// their place in the tree alone, so its result is kept per document and context node
// (absolute paths: per document) until the elements of that document change. Its nodes are
// found as jsdom finds them, a path of several steps by taking its last step from each node
// its prefix selects, so that shared prefixes (`/data/grp`) are walked once. Other paths go
// to jsdom each time.
const NAME = '[A-Za-z_][A-Za-z0-9_.-]*';
const STEP = new RegExp(`^(\\.|\\.\\.|\\*|${NAME})$`);
const CHILD_STEP = new RegExp(`^(\\*|${NAME})$`);
const selections = new WeakMap(); // document -> Map(context node or null -> Map(path -> nodes))

function isPlainPath(expression) {
    const relative = expression.startsWith('/') ? expression.slice(1) : expression;
    return relative.split('/').every((step) => STEP.test(step));
}

// The nodes a plain `path` selects from `context` (null for an absolute path) in `doc`.
function select(native, doc, context, path) {
    let byContext = selections.get(doc);
    if (!byContext) selections.set(doc, (byContext = new Map()));
    let byPath = byContext.get(context);
    if (!byPath) byContext.set(context, (byPath = new Map()));
    let nodes = byPath.get(path);
    if (nodes) return nodes;
    const cut = path.lastIndexOf('/');
    nodes = [];
    if (cut > 0 && CHILD_STEP.test(path.slice(cut + 1))) {
        // The nodes a path of child, self and parent steps selects from one node are all at
        // one depth: the children of each, in turn, are in document order, each once.
        for (const parent of select(native, doc, context, path.slice(0, cut))) {
            nodes.push(...select(native, doc, parent, path.slice(cut + 1)));
        }
    } else {
        const found = native.evaluate(path, context || doc, null, XPathResult.ANY_TYPE, null);
        for (let n = found.iterateNext(); n; n = found.iterateNext()) nodes.push(n);
    }
    byPath.set(path, nodes);
    return nodes;
}

function evaluateNative(native, expression, resolver, node, type, result) {
    // The evaluator calls XPathExpression.evaluate(node) without a result type, which
    // browsers read as ANY_TYPE (0) but jsdom rejects: supply the default.
    if (type || !isPlainPath(expression)) {
        return native.evaluate(expression, node, resolver, type || 0, result || null);
    }
    const doc = node.ownerDocument || node;
    const nodes = select(native, doc, expression.startsWith('/') ? null : node, expression);
    let next = 0;
    return {
        resultType: XPathResult.UNORDERED_NODE_ITERATOR_TYPE, // as jsdom answers a node-set
        iterateNext: () => nodes[next++] || null,
    };
}

const NativeEvaluator = window.XPathEvaluator;
global.XPathEvaluator = function XPathEvaluator() {
    const native = new NativeEvaluator();
    return {
        createExpression: (expression, resolver) => ({
            evaluate: (node, type, result) =>
                evaluateNative(native, expression, resolver, node, type, result),
        }),
        evaluate: (expression, node, resolver, type, result) =>
            evaluateNative(native, expression, resolver, node, type, result),
        createNSResolver: (node) => native.createNSResolver(node),
    };
};
const evaluator = require('openrosa-xpath-evaluator')();

const MAX_PASSES = 10;

function elementChildren(node) {
    const children = [];
    for (let n = node.firstElementChild; n; n = n.nextElementSibling) children.push(n);
    return children;
}

// The form's binds, and a namespace-free copy of its primary instance without the repeat
// templates (kept aside, each replaced by a comment naming its path: where its rows go).
function loadForm(path) {
    const xml = fs.readFileSync(path, 'utf8');
    const source = new window.DOMParser().parseFromString(xml, 'text/xml');
    const model = source.getElementsByTagName('model')[0];
    const primary = elementChildren(model).find(
        (n) => n.localName === 'instance' && !n.getAttribute('id')
    );
    const binds = elementChildren(model).filter(
        (n) => n.localName === 'bind' && (n.getAttribute('calculate') || n.getAttribute('relevant'))
    );
    const checks = elementChildren(model).filter(
        (n) => n.localName === 'bind' && n.getAttribute('constraint')
    );

    const doc = window.document.implementation.createDocument(null, null, null);
    const templates = new Map(); // repeat path -> { template, parent }
    function copy(from, path) {
        const element = doc.createElement(from.localName);
        const children = elementChildren(from);
        for (const child of children) {
            const childPath = path ? `${path}/${child.localName}` : child.localName;
            const isTemplate = Array.from(child.attributes).some((a) => a.localName === 'template');
            if (isTemplate) {
                element.appendChild(doc.createComment(childPath));
                templates.set(childPath, { template: copy(child, childPath), parent: element });
            } else if (!templates.has(childPath)) {
                element.appendChild(copy(child, childPath));
            }
        }
        if (!children.length) {
            element.textContent = from.textContent;
        }
        return element;
    }
    doc.appendChild(copy(elementChildren(primary)[0], ''));
    // pyxform also writes one default instance of each repeat after its template: drop it.
    for (const [repeat, entry] of templates) {
        const name = repeat.split('/').pop();
        for (const child of elementChildren(entry.parent)) {
            if (child.localName === name) entry.parent.removeChild(child);
        }
    }
    return { doc, templates, binds, checks, instances: new Map() };
}

// The instance filled with `answers`: a copy of the form's instance with one repeat instance
// per answered row, and the answers set. Its elements depend only on the rows given, so one
// copy is kept per such shape and, for the next answers of that shape, its leaves are given
// back their initial values: the same as a fresh copy.
function newState(form, answers) {
    const shape = JSON.stringify(rowsOf(answers));
    let instance = form.instances.get(shape);
    if (instance) {
        for (const [leaf, value] of instance.leaves) {
            if (leaf.textContent !== value) leaf.textContent = value;
        }
    } else {
        instance = newInstance(form);
        addRows(instance, instance.root, '', answers);
        instance.leaves = Array.from(instance.doc.getElementsByTagName('*'))
            .filter((n) => !n.firstElementChild)
            .map((n) => [n, n.textContent]);
        form.instances.set(shape, instance);
    }
    const state = { ...instance, form, shape, answered: new Set(), irrelevant: new Set() };
    setAnswers(state, state.root, '', answers);
    return state;
}

// The repeats answered, in the order given, each with its rows: what decides the elements.
function rowsOf(answers) {
    return Object.entries(answers)
        .filter(([, value]) => Array.isArray(value))
        .map(([key, rows]) => [key, rows.map(rowsOf)]);
}

function newInstance(form) {
    const doc = form.doc.cloneNode(true);
    // The rows of a repeat go before the comment marking its template; those of a repeat
    // nested in another have no comment here, and go at the end of the outer row.
    const anchors = new Map();
    const walker = doc.createTreeWalker(doc, window.NodeFilter.SHOW_COMMENT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) anchors.set(n.data, n);
    const templates = new Map(); // repeat path -> { template, parent, anchor }
    for (const [path, { template, parent }] of form.templates) {
        const anchor = anchors.get(path);
        templates.set(path, { template, parent: anchor ? anchor.parentNode : parent, anchor });
    }
    return {
        doc,
        root: doc.documentElement,
        templates,
        nodesets: new Map(), // bind -> the nodes it selects
    };
}

function relativePath(key, basePath) {
    if (basePath && !key.startsWith(`${basePath}/`)) {
        throw new Error(`answer ${key} is not inside ${basePath}`);
    }
    return basePath ? key.slice(basePath.length + 1) : key;
}

function addRows(instance, element, basePath, answers) {
    for (const [key, value] of Object.entries(answers)) {
        const relative = relativePath(key, basePath);
        if (!Array.isArray(value)) continue;
        const entry = instance.templates.get(key);
        if (!entry) throw new Error(`${key} is not a repeat of the form`);
        const parent = locate(element, relative.split('/').slice(0, -1), key);
        const anchor = parent === entry.parent ? entry.anchor : null;
        for (const row of value) {
            // Nested repeats: templates are looked up by path, so copies carry none.
            const rowElement = instance.doc.importNode(entry.template, true);
            parent.insertBefore(rowElement, anchor);
            addRows(instance, rowElement, key, row);
        }
    }
}

function setAnswers(state, element, basePath, answers) {
    for (const [key, value] of Object.entries(answers)) {
        const steps = relativePath(key, basePath).split('/');
        if (Array.isArray(value)) {
            const name = steps.pop();
            const rows = elementChildren(locate(element, steps, key))
                .filter((n) => n.localName === name);
            value.forEach((row, i) => setAnswers(state, rows[i], key, row));
            continue;
        }
        const node = locate(element, steps, key);
        setValue(state, node, String(value));
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

// Setting a value replaces a node's children: if it had more than its text, the instance
// no longer has the elements of its shape, and what was selected in it is forgotten.
function setValue(state, node, value) {
    const first = node.firstChild;
    if (first && (first !== node.lastChild || first.nodeType !== Node.TEXT_NODE)) {
        selections.delete(state.doc);
        state.nodesets.clear();
        state.form.instances.delete(state.shape);
    }
    node.textContent = value;
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
    const leaves = node.firstElementChild ? node.getElementsByTagName('*') : [node];
    let changed = false;
    for (const leaf of Array.from(leaves)) {
        if (leaf.firstElementChild || leaf.textContent === '') continue;
        if (state.answered.has(leaf)) dropped.push(pathOf(state, leaf));
        leaf.textContent = '';
        changed = true;
    }
    return changed;
}

// The nodes a bind's nodeset selects; kept with the instance when it is a plain path.
function nodeset(state, bind) {
    let nodes = state.nodesets.get(bind);
    if (!nodes) {
        const expression = bind.getAttribute('nodeset');
        const found = evaluator.evaluate(
            expression, state.doc, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null
        );
        nodes = [];
        for (let i = 0; i < found.snapshotLength; i++) nodes.push(found.snapshotItem(i));
        if (isPlainPath(expression)) state.nodesets.set(bind, nodes);
    }
    return nodes;
}

function evaluateBinds(state, binds) {
    const dropped = [];
    for (let pass = 1; pass <= MAX_PASSES; pass++) {
        let changed = false;
        for (const bind of binds) {
            const relevant = bind.getAttribute('relevant');
            const calculate = bind.getAttribute('calculate');
            for (const node of nodeset(state, bind)) {
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
                    setValue(state, node, value);
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
        } else if (child.firstElementChild) {
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
        } else if (child.firstElementChild) {
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
        for (const node of nodeset(state, bind)) {
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
        forms: input.forms.map((entry) => {
            const form = loadForm(entry.xform);
            return {
                results: entry.cases.map((answers) => {
                    const dropped = [];
                    let given = answers;
                    for (let attempt = 0; attempt < MAX_PASSES; attempt++) {
                        const state = newState(form, given);
                        const result = evaluateBinds(state, form.binds);
                        if (!result.dropped.length) {
                            const values = flatten(state, state.root, '', {});
                            return {
                                answers: given,
                                values,
                                dropped,
                                passes: result.passes,
                                violations: violations(state, form.checks),
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
