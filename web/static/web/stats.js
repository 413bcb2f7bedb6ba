// The year in review's "Share…" button: shares the PNG itself where the browser can share files
// (phones, mostly); hidden elsewhere, where the download links do the job. The page may arrive
// through an htmx swap, so this runs each time the script is (re)inserted.
(function () {
  const button = document.getElementById("share-year");
  if (!button || !navigator.canShare || button.dataset.ready) return;
  const probe = new File([""], "year.png", { type: "image/png" });
  if (!navigator.canShare({ files: [probe] })) return;
  button.dataset.ready = "true";
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      const answer = await fetch(button.dataset.shareUrl, { credentials: "same-origin" });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      const file = new File([await answer.blob()], "musichub-year.png", { type: "image/png" });
      await navigator.share({ files: [file], title: button.dataset.shareTitle });
    } catch (error) {
      if (error.name !== "AbortError") button.textContent = "Could not share: use Download";
    }
  });
})();
