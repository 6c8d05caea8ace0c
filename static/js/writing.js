// Kring's only script, and everything works without it. It does two things for post forms:
// keeps what a member types as a draft on the server (POST /drafts, every few seconds when it
// changed, and when the page is left), and quotes a passage selected in a post into the reply
// form, in the same Markdown form as the "Citeren" link (see src/lib/quotes.ts).
(function () {
  'use strict'
  var SAVE_EVERY_MS = 4000

  function keepDrafts (form) {
    var status = form.querySelector('.draft-status')
    var token = form.querySelector('input[name="_csrf"]')
    var title = form.querySelector('[name="title"]')
    var body = form.querySelector('textarea[name="body"]')
    if (!token || !body) return
    var changed = false
    form.addEventListener('input', function () { changed = true })
    function fields () {
      var data = new URLSearchParams()
      data.set('_csrf', token.value)
      data.set('form', form.getAttribute('data-draft'))
      data.set('title', title ? title.value : '')
      data.set('body', body.value)
      return data
    }
    var sending = false
    function save () {
      if (!changed || sending) return
      changed = false
      fetch('/drafts', { method: 'POST', body: fields(), credentials: 'same-origin', keepalive: true }).then(function (answer) {
        if (answer.ok && status) status.textContent = form.getAttribute('data-draft-saved') + ' ' + new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
        if (!answer.ok) changed = true
      }, function () { changed = true })
    }
    setInterval(save, SAVE_EVERY_MS)
    // Posting removes the draft on the server (and no save may come after it); leaving the page keeps the last words.
    form.addEventListener('submit', function () { sending = true })
    window.addEventListener('pagehide', function () {
      if (changed && !sending && navigator.sendBeacon) navigator.sendBeacon('/drafts', fields())
    })
  }

  function quoteSelections (form) {
    var body = form.querySelector('textarea[name="body"]')
    var button = document.createElement('button')
    button.type = 'button'
    button.className = 'quote-selection'
    button.textContent = form.getAttribute('data-quote-label')
    button.hidden = true
    document.body.appendChild(button)
    var chosen = null
    function postOf (node) {
      var element = node && (node.nodeType === 1 ? node : node.parentElement)
      var article = element && element.closest('article[data-post]')
      return article && element.closest('.post-body') ? article : null
    }
    document.addEventListener('selectionchange', function () {
      var selection = document.getSelection()
      var text = selection && !selection.isCollapsed ? selection.toString().trim() : ''
      var post = text && postOf(selection.anchorNode)
      if (!post || post !== postOf(selection.focusNode)) { button.hidden = true; chosen = null; return }
      chosen = { post: post, text: text }
      var box = selection.getRangeAt(0).getBoundingClientRect()
      button.style.top = (window.scrollY + box.bottom + 6) + 'px'
      button.style.left = (window.scrollX + box.left) + 'px'
      button.hidden = false
    })
    button.addEventListener('mousedown', function (event) { event.preventDefault() })
    button.addEventListener('click', function () {
      if (!chosen) return
      var lines = chosen.text.split(/\r?\n/).map(function (line) { return line === '' ? '>' : '> ' + line })
      var quote = '> [@' + chosen.post.getAttribute('data-author') + ' ' + form.getAttribute('data-quote-wrote') + '](/post/' +
        chosen.post.getAttribute('data-post') + ')\n' + lines.join('\n') + '\n\n'
      body.value = (body.value.trim() === '' ? '' : body.value.replace(/\s+$/, '') + '\n\n') + quote
      body.dispatchEvent(new Event('input', { bubbles: true }))
      button.hidden = true
      body.focus()
      body.setSelectionRange(body.value.length, body.value.length)
    })
  }

  document.querySelectorAll('form[data-draft]').forEach(keepDrafts)
  var reply = document.querySelector('form[data-quote-wrote]')
  if (reply) quoteSelections(reply)
})()
