const el = document.getElementById("x");
el.innerHTML = "<b>hi</b>";
window.location.href = "/next";
setTimeout(() => el.remove(), 10);
const m = new Map();
function run(code) {
  return eval(code) + new Date().getTime();
}
