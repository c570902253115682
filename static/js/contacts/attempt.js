// An attempt that found nobody has the outcome "Not found": choosing the type chooses
// the outcome too (the server still checks the pair), on the site's form and field mode's.

export function chooseNotFoundForAttempts(form) {
  form.addEventListener('change', (event) => {
    if (event.target.name !== 'type' || event.target.value !== 'attempt') return;
    const notFound = form.querySelector('input[name=outcome][value=not_found]');
    if (notFound && !notFound.checked) {
      notFound.checked = true;
      notFound.dispatchEvent(new Event('change', { bubbles: true }));
    }
  });
}

const page = document.querySelector('form[data-attempt-not-found]');
if (page) chooseNotFoundForAttempts(page);
