/* The finder offline: answers a postcode or a borough from the copy of the directory this
 * phone keeps (see offline-worker.js), when the finder form was served from that copy for a
 * search the network could not take.
 *
 * It finds the borough as the server does (directory/operations/geography.py resolve_place,
 * from the London postcode table) and lists the services delivered there or across London,
 * with how to reach them and their status read on today's date from the copy's readings (the
 * server's own rule, worked out for every day ahead). It applies no eligibility or disposal
 * rule, and says so: an offline list never means the person is eligible.
 */
'use strict';

(function offlineFinder() {
  const section = document.getElementById('offline-answer');
  if (!section) {
    return;
  }
  const query = new URLSearchParams(window.location.search);
  const typedPlace = (query.get('postcode') || '').trim();
  const chosen = (query.get('borough') || '').trim();
  if (!typedPlace && !chosen) {
    return; // the empty form, as the server sent it
  }

  const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August',
    'September', 'October', 'November', 'December'];
  const OLD_AFTER_DAYS = 14;
  const { PlaceError, resolve } = window.offlinePlaces;

  // -- dates and the status rule's readings ------------------------------------------------

  function dayOf(iso) {
    const [y, m, d] = iso.split('-').map(Number);
    return Date.UTC(y, m - 1, d);
  }

  function describe(iso) {
    const [y, m, d] = iso.split('-').map(Number);
    return `${d} ${MONTHS[m - 1]} ${y}`;
  }

  function todayIso() {
    const now = new Date();
    const pad = (n) => String(n).padStart(2, '0');
    return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  }

  function readingOn(service, day) {
    let reading = service.status_readings[0].reading;
    for (const step of service.status_readings) {
      if (step.from <= day) {
        reading = step.reading;
      }
    }
    return reading;
  }

  function whereNote(service, code, names) {
    const c = service.coverage;
    const notes = [];
    if (c.boroughs.includes(code)) {
      notes.push(`Delivered in ${names[code]}`);
    } else if (c.pan_london) {
      notes.push('Pan-London');
    }
    if (!c.confirmed) {
      notes.push('Availability in London is not confirmed: check with the provider');
    }
    if (c.unnamed_borough_count) {
      const n = c.unnamed_borough_count;
      notes.push(`Delivered in ${n}${c.boroughs.length ? ' other' : ''} London ${n === 1 ? 'borough' : 'boroughs'} that the sources ${n === 1 ? 'does' : 'do'} not name: check with the provider`);
    }
    if (!c.pan_london && !c.boroughs.length && !c.unnamed_borough_count) {
      notes.push('Where it is delivered is not recorded: check with the provider');
    }
    return notes;
  }

  function deliveredIn(service, code) {
    const c = service.coverage;
    const open = !c.confirmed || c.unnamed_borough_count || (!c.pan_london && !c.boroughs.length);
    return c.boroughs.includes(code) || c.pan_london || Boolean(open);
  }

  function recordedFor(service) {
    const e = service.eligibility;
    const parts = [];
    if (e.min_age !== null && e.max_age !== null) {
      parts.push(`ages ${e.min_age} to ${e.max_age}`);
    } else if (e.min_age !== null) {
      parts.push(`aged ${e.min_age} and over`);
    } else if (e.max_age !== null) {
      parts.push(`aged up to ${e.max_age}`);
    }
    if (e.genders.length) {
      parts.push(e.genders.join(' or '));
    }
    if (e.veterans_only) {
      parts.push('veterans only');
    }
    if (e.neurodivergent_only) {
      parts.push('neurodivergent people only');
    }
    return parts;
  }

  // -- the page ----------------------------------------------------------------------------

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== '') {
        node.append(child);
      }
    }
    return node;
  }

  function contactLines(service) {
    const contact = service.contact;
    const lines = el('ul', { class: 'offline-contacts' });
    if (contact.phone) {
      lines.append(el('li', {}, 'Phone: ', el('a', { href: `tel:${contact.phone.replace(/[^0-9+]/g, '')}` }, contact.phone)));
    }
    if (contact.email) {
      lines.append(el('li', {}, 'Email: ', el('a', { href: `mailto:${contact.email}` }, contact.email)));
    }
    if (contact.website) {
      const web = /^https?:\/\//i.test(contact.website) ? el('a', { href: contact.website }, contact.website) : contact.website;
      lines.append(el('li', {}, 'Website: ', web));
    }
    if (service.referral && service.referral.where) {
      lines.append(el('li', {}, `Referrals to: ${service.referral.where}`));
    }
    if (!lines.children.length) {
      lines.append(el('li', {}, `No way to reach the service is published. ${contact.who_can_tell || ''}`.trim()));
    }
    return lines;
  }

  function serviceItem(service, reading, code, names) {
    const item = el('li', { class: 'offline-service' });
    item.append(el('h4', {}, el('a', { href: service.url }, service.name)));
    if (service.organisation) {
      item.append(el('p', {}, service.organisation.name));
    }
    item.append(el('p', {}, el('strong', {}, `${reading.label}: `), reading.sentence));
    item.append(el('p', {}, whereNote(service, code, names).join('. ')));
    const recorded = recordedFor(service);
    if (recorded.length) {
      item.append(el('p', {}, `Recorded as for ${recorded.join(', ')} (not checked offline).`));
    }
    item.append(contactLines(service));
    if (service.how_to_refer) {
      item.append(el('p', {}, `How to refer: ${service.how_to_refer}`));
    }
    return item;
  }

  function fail(message, copy) {
    section.replaceChildren(
      el('h2', { id: 'offline-answer-title' }, copy ? `Offline: directory as of ${describe(copy.taken_on)}` : 'Offline'),
      el('p', { class: 'offline-problem' }, message),
      el('p', {}, 'Next step: search again when you have a signal, or call the service or your local team.'),
    );
  }

  function choices(found) {
    const list = el('ul', {});
    for (const share of found.choices) {
      const next = new URLSearchParams(query);
      next.set('borough', share.code);
      next.delete('show');
      list.append(el('li', {}, el('a', { href: `${section.dataset.find}?${next}` }, share.name)));
    }
    return list;
  }

  function answer(copy, table) {
    const names = Object.fromEntries(copy.boroughs.map((b) => [b.code, b.name]));
    const today = todayIso();
    const age = Math.round((dayOf(today) - dayOf(copy.taken_on)) / 86400000);
    const title = el('h2', { id: 'offline-answer-title' }, `Offline: directory as of ${describe(copy.taken_on)}`);
    const intro = [title];
    if (age > OLD_AFTER_DAYS) {
      intro.push(el('p', { class: 'offline-warning', id: 'offline-old-copy' },
        el('strong', {}, `This copy is ${age} days old. `),
        'Services may have opened, closed or changed since then: check with the service before you rely on it, and search again when you have a signal.'));
    }
    let found;
    try {
      found = resolve(typedPlace, chosen, table, names);
    } catch (error) {
      if (!(error instanceof PlaceError)) {
        throw error;
      }
      section.replaceChildren(...intro, el('p', { class: 'offline-problem' }, error.message));
      return;
    }
    if (found.outside) {
      section.replaceChildren(...intro, el('p', { class: 'offline-problem' },
        `${typedPlace} is in ${found.outside}, outside London. This directory covers London only: ask the local authority or police force there, or search again when back online.`));
      return;
    }
    if (!found.code) {
      section.replaceChildren(...intro, el('p', {}, found.explanation), choices(found));
      return;
    }
    const code = found.code;
    const needs = query.getAll('need');
    const listed = [];
    const leftOut = [];
    for (const service of copy.services) {
      if (!deliveredIn(service, code)) {
        continue;
      }
      const reading = readingOn(service, today);
      (['ended', 'planned'].includes(reading.standing) ? leftOut : listed).push({ service, reading });
    }
    listed.sort((a, b) => (a.reading.standing === 'confirmed' ? 0 : 1) - (b.reading.standing === 'confirmed' ? 0 : 1));
    const forNeeds = needs.length ? listed.filter((s) => s.service.categories.some((c) => needs.includes(c))) : [];
    const others = needs.length ? listed.filter((s) => !forNeeds.includes(s)) : listed;

    const body = [...intro];
    body.push(el('p', {}, found.explanation ? `${found.explanation} ` : '',
      `Services delivered in ${names[code]} or across London, from the copy of the directory kept on this device.`));
    const caveat = el('div', { class: 'offline-caveat' },
      el('h3', {}, 'What the offline finder cannot check'),
      el('p', {}, 'Offline, only where services are delivered and their recorded status are read. Eligibility rules (age, gender, criminal justice status, offence, risk) are not applied: a service listed here does not mean the person can use it.'));
    const disposal = query.get('disposal');
    if (disposal) {
      const option = document.querySelector(`#disposal option[value="${CSS.escape(disposal)}"]`);
      caveat.append(el('p', { id: 'offline-disposal' }, el('strong', {},
        `Whether ${option ? option.textContent.trim().replace(/^./, (c) => c.toLowerCase()) : 'the disposal'} can be considered cannot be assessed offline. `),
        'Do not offer it on the strength of this list: check the rules when back online.'));
    }
    caveat.append(el('p', {}, 'Next step: call the service to check they can take the person, and search again when back online for the full answer.'));
    body.push(caveat);

    const list = (heading, entries) => {
      body.push(el('h3', {}, `${heading} (${entries.length})`));
      if (entries.length) {
        body.push(el('ul', { class: 'offline-services' }, ...entries.map((e) => serviceItem(e.service, e.reading, code, names))));
      }
    };
    if (needs.length) {
      list('For the needs ticked', forNeeds);
      list(`Other services in ${names[code]}`, others);
    } else {
      list(`Services in ${names[code]}`, others);
    }
    if (!listed.length) {
      body.push(el('p', {}, `The copy holds no running service in ${names[code]}. Search again when back online for services nearby and who commissions them.`));
    }
    body.push(el('p', {}, 'Confirmed running services come first; each status is read on today\u2019s date, with its source and date.'));
    if (leftOut.length) {
      body.push(el('h3', {}, `Left out: not running (${leftOut.length})`));
      body.push(el('ul', {}, ...leftOut.map((e) => el('li', {}, `${e.service.name}: ${e.reading.sentence}`))));
    }
    section.replaceChildren(...body);
    document.title = `Offline: services in ${names[code]} \u2013 London service directory`;
  }

  async function load(url) {
    const response = await fetch(url);
    if (!response.ok) {
      throw new Error(`${url}: ${response.status}`);
    }
    return response.json();
  }

  function fillForm() {
    const place = document.getElementById('postcode');
    if (place) {
      place.value = typedPlace;
    }
    const borough = document.getElementById('borough');
    if (borough && chosen) {
      borough.value = chosen;
    }
  }

  async function run() {
    section.hidden = false;
    fillForm();
    let copy;
    try {
      copy = await load(section.dataset.snapshot);
    } catch (error) {
      fail('You are offline, and this device holds no copy of the directory yet: a copy is kept after a visit online.');
      section.focus();
      return;
    }
    let table;
    try {
      table = await load(section.dataset.postcodes);
    } catch (error) {
      fail('You are offline, and this device holds no copy of London\u2019s postcodes.', copy);
      section.focus();
      return;
    }
    answer(copy, table);
    section.focus();
  }

  run();
}());
