// Mounts ODK Web Forms' <OdkWebForm> on the XForm at ?form=<url> (see index.html).
// What the test reads: window.htsdHost = { status, error, submissions }: status is
// "loading", then "ready" or "error" as the engine reports it (its
// .form-initialization-status element); error the text of the first error (fetch, mount,
// Vue, the engine's load failure or an uncaught exception); submissions one
// { status, xml } per "Send" of a valid form, xml the instance the engine submits.
import { createApp, h } from 'vue';
import { OdkWebForm, webFormsPlugin } from '/node_modules/@getodk/web-forms/dist/index.js';

const host = { status: 'loading', error: null, submissions: [] };
window.htsdHost = host;

function fail(message) {
  host.status = 'error';
  host.error = host.error || String(message);
}
window.addEventListener('error', (event) => fail(event.message));
window.addEventListener('unhandledrejection', (event) => fail(event.reason));

async function main() {
  const url = new URLSearchParams(window.location.search).get('form');
  if (!url) throw new Error('no ?form=<url of the XForm>');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
  const formXml = await response.text();
  const app = createApp({
    render: () =>
      h(OdkWebForm, {
        formXml,
        // The forms have no media or external CSV: any attachment asked for is missing.
        fetchFormAttachment: async (attachmentUrl) =>
          new Response('', { status: 404, statusText: `no attachment ${attachmentUrl}` }),
        // "Send" on a valid form: keep the instance XML the engine submits. The result
        // callback is not called, so the form stays as filled.
        onSubmit: async (payload) => {
          const file = payload.data[0].get('xml_submission_file');
          host.submissions.push({ status: payload.status, xml: await file.text() });
        },
      }),
  });
  app.config.errorHandler = (error) => fail(error && error.stack ? error.stack : error);
  app.use(webFormsPlugin);
  app.mount('#app');
  // The engine marks its state on an element: loading, then ready or error.
  const observer = new MutationObserver(() => {
    const marker = document.querySelector('.form-initialization-status');
    if (marker && marker.classList.contains('ready')) host.status = host.error ? 'error' : 'ready';
    if (marker && marker.classList.contains('error')) {
      const dialog = document.querySelector('.form-load-failure-dialog');
      host.status = 'error';
      host.error = dialog ? dialog.innerText : host.error || 'the engine failed to load the form';
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true });
}

main().catch((error) => fail(error && error.stack ? error.stack : error));
