/* The header's menu on narrow screens: a disclosure button that shows and hides it
   (app.css folds the menu below 900 px; without scripts, noscript.css shows it). */
const topbar = document.querySelector('.topbar');
const button = topbar && topbar.querySelector('.menu-toggle');
const menu = button && document.getElementById(button.getAttribute('aria-controls'));

if (button && menu) {
  const setOpen = (open) => {
    button.setAttribute('aria-expanded', String(open));
    topbar.classList.toggle('menu-open', open);
  };
  button.addEventListener('click', () => {
    setOpen(button.getAttribute('aria-expanded') !== 'true');
  });
  // Escape closes the open menu and gives the focus back to its button.
  topbar.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') {
      setOpen(false);
      button.focus();
    }
  });
}
