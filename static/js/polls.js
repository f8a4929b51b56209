// A thread's poll, updated live: when the thread's socket (static/js/live-thread.js) relays a
// `polls.poll.counted` event for this poll, the results section is fetched again, as this reader may
// see it (the event carries no counts and no names). Several votes in a short time cost one fetch.
// A `polls.poll.changed` event (the poll closed, say) also refreshes the results and offers a reload
// for the rest of the section. Without this file (or JavaScript) the page shows the results as loaded.

const sections = new Map();
for (const section of document.querySelectorAll("section.poll[data-poll]")) {
  sections.set(Number(section.dataset.poll), section);
}

const timers = new Map();
const inFlight = new Set();
const again = new Set();

async function refresh(pollId) {
  const section = sections.get(pollId);
  if (!section) return;
  if (inFlight.has(pollId)) {
    again.add(pollId);
    return;
  }
  inFlight.add(pollId);
  try {
    const response = await fetch(section.dataset.resultsUrl, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (response.ok) {
      const template = document.createElement("template");
      template.innerHTML = (await response.text()).trim();
      const fresh = template.content.querySelector("[data-poll-results]");
      const current = section.querySelector("[data-poll-results]");
      if (fresh && current) {
        // Keep a details element the reader opened (the rounds, who voted) open.
        const open = new Set(Array.from(current.querySelectorAll("details[open]"), (d) => d.className));
        for (const details of fresh.querySelectorAll("details")) {
          if (open.has(details.className)) details.open = true;
        }
        current.replaceWith(fresh);
      }
    }
  } catch {
    // Network trouble: the next event or a reload shows the results.
  } finally {
    inFlight.delete(pollId);
    if (again.delete(pollId)) schedule(pollId);
  }
}

function schedule(pollId) {
  if (timers.has(pollId)) return;
  // A short, jittered wait: a burst of votes costs one fetch, and a thousand open pages do not all
  // ask at the same instant.
  const delay = 200 + Math.floor(Math.random() * 600);
  timers.set(pollId, window.setTimeout(() => {
    timers.delete(pollId);
    refresh(pollId);
  }, delay));
}

function noteChanged(pollId) {
  const section = sections.get(pollId);
  if (!section || section.querySelector(".poll-live-note")) return;
  const note = document.createElement("p");
  note.className = "notice poll-live-note";
  note.setAttribute("role", "status");
  const link = document.createElement("a");
  link.href = window.location.pathname + window.location.search + `#poll-${pollId}`;
  link.textContent = section.dataset.labelChanged || "";
  link.addEventListener("click", (event) => {
    event.preventDefault();
    window.location.reload();
  });
  note.append(link);
  section.querySelector(".poll-heading").after(note);
}

// The first `resumed` answers the page's own connection; a later one follows a reconnection, during
// which votes may have been missed (poll events are not replayed): fetch the results again.
let connections = 0;

document.addEventListener("live-thread:event", (event) => {
  const message = event.detail || {};
  if (message.type === "resumed" || message.type === "resync") {
    connections += 1;
    if (connections > 1) for (const pollId of sections.keys()) schedule(pollId);
    return;
  }
  const pollId = Number(message.poll_id);
  if (!sections.has(pollId)) return;
  if (message.type === "polls.poll.counted") schedule(pollId);
  else if (message.type === "polls.poll.changed") {
    schedule(pollId);
    noteChanged(pollId);
  }
});
