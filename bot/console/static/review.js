/* Review inbox: marks the text selected in an example as an entity, `[text](entity)`, so a
   trainer need not type Rasa's annotation by hand. Everything else is plain forms. */
(() => {
  'use strict';

  for (const button of document.querySelectorAll('.entity-mark')) {
    button.addEventListener('click', () => {
      const input = button.closest('form').querySelector('.example-input');
      const { selectionStart: start, selectionEnd: end, value } = input;
      const chosen = value.slice(start, end).trim();
      if (!chosen || /[[\]()]/.test(chosen)) return input.focus();
      const offset = value.slice(start, end).indexOf(chosen);
      input.value = `${value.slice(0, start + offset)}[${chosen}](${button.dataset.entity})${value.slice(start + offset + chosen.length)}`;
      input.focus();
    });
  }
})();
