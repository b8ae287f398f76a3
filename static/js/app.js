// Site-wide behaviour; no inline scripts anywhere (Content-Security-Policy).
document.addEventListener("change", (event) => {
  if (event.target.classList.contains("js-autosubmit")) {
    event.target.form.submit();
  }
});
