/* After a refused submit: the focus goes to the error summary (templates/macros/forms.html),
   and each of its links takes the focus to its field, not only the scroll position. */
const summary = document.querySelector('[data-error-summary]');

if (summary) {
  summary.focus();
  summary.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#"]');
    const field = link && document.getElementById(link.getAttribute('href').slice(1));
    if (!field) return;
    event.preventDefault();
    const label = field.labels && field.labels[0];
    (field.closest('fieldset') || label || field).scrollIntoView({ block: 'center' });
    field.focus({ preventScroll: true });
  });
}
