/* Where a typed place lies, from London's postcode table (/offline/postcodes.json): the
 * server's resolve_place (directory/operations/geography.py) for the finder offline, with the
 * same rules and words. Used by offline-finder.js. */
'use strict';

window.offlinePlaces = (function places() {
  const MOSTLY = 0.9;

  // -- a place as typed (directory/core/postcodes.py parse_place) -------------------------

  const COMPACT = /^(?:GIR0AA|NPT[0-9][ABD-HJLNP-UW-Z]{2}|[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?[0-9][ABD-HJLNP-UW-Z]{2})$/;
  const DISTRICT = /^(?:[A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?|NPT)$/;
  const SECTOR = /^([A-PR-UWYZ][A-HK-Y]?[0-9][A-Z0-9]?|NPT) ?([0-9])$/;
  const NAME = /^[A-Za-z][A-Za-z &'.,-]*$/;
  const NOT_A_PLACE = 'is not a postcode, a postcode district or a London borough. Enter a postcode (SE1 7TP), a district (SE11) or a borough\u2019s name.';

  class PlaceError extends Error {}

  function parsePlace(raw) {
    const text = raw.trim();
    if (text.length > 60) {
      throw new PlaceError('That is too long to be a postcode or a borough\u2019s name.');
    }
    const spaced = text.replace(/\s+/g, ' ').toUpperCase();
    const compact = text.replace(/\s+/g, '').toUpperCase();
    if (text.length <= 16 && COMPACT.test(compact)) {
      return { kind: 'postcode', text: `${compact.slice(0, -3)} ${compact.slice(-3)}` };
    }
    if (DISTRICT.test(spaced)) {
      return { kind: 'district', text: spaced };
    }
    const sector = SECTOR.exec(spaced);
    if (sector) {
      return { kind: 'sector', text: `${sector[1]} ${sector[2]}` };
    }
    if (NAME.test(text) && !/[0-9]/.test(text)) {
      return { kind: 'name', text: text.split(/\s+/).join(' ') };
    }
    throw new PlaceError(`\u201c${text}\u201d ${NOT_A_PLACE}`);
  }

  function boroughKey(name) {
    return name.toLowerCase().replace(/&/g, ' and ').replace(/[^a-z ]+/g, ' ')
      .replace(/\b(london borough of|royal borough of|borough of|the|council)\b/g, ' ')
      .split(/\s+/).filter(Boolean).join(' ');
  }

  function join(names) {
    return names.length === 1 ? names[0]
      : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  }

  // -- the borough (directory/operations/geography.py resolve_place) -----------------------

  function byName(typed, chosen, names) {
    const key = boroughKey(typed.text);
    if (key === 'london' || key === 'greater london') {
      throw new PlaceError('London has 33 local authorities: enter a postcode, a district (SE11) or a borough\u2019s name, or choose a borough from the list.');
    }
    const codes = Object.keys(names);
    const keys = Object.fromEntries(codes.map((code) => [code, boroughKey(names[code])]));
    const exact = codes.filter((code) => keys[code] === key);
    let found = exact.length ? exact : codes.filter(
      (code) => key && (keys[code].startsWith(key) || ` ${keys[code]}`.includes(` ${key}`)),
    );
    found.sort((a, b) => names[a].localeCompare(names[b]));
    if (found.includes(chosen)) {
      found = [chosen];
    }
    if (!found.length) {
      throw new PlaceError(`\u201c${typed.text}\u201d is not a London borough, a postcode or a postcode district. Enter a postcode (SE1 7TP), a district (SE11) or a borough\u2019s name, or choose a borough from the list.`);
    }
    const shares = found.map((code) => ({ code, name: names[code], postcodes: 0 }));
    if (found.length > 1) {
      return { code: null, choices: shares, explanation: `\u201c${typed.text}\u201d matches ${join(shares.map((s) => s.name))}: choose the borough.` };
    }
    const name = names[found[0]];
    return { code: found[0], explanation: boroughKey(name) === key ? null : `\u201c${typed.text}\u201d read as ${name}.` };
  }

  function parts(sectors) {
    const counts = {};
    for (const byAuthority of sectors) {
      for (const [code, units] of Object.entries(byAuthority)) {
        counts[code] = (counts[code] || 0) + units.length / 2;
      }
    }
    return Object.entries(counts)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([code, postcodes]) => ({ code, postcodes }));
  }

  function sharesOf(found, names) {
    return found.filter((p) => p.code in names).map((p) => ({ ...p, name: names[p.code] }));
  }

  function outside(found, table) {
    const code = found[0].code;
    return { code: null, outside: table.authorities[code] || code };
  }

  function settle(what, shares, chosen, lead) {
    const total = shares.reduce((sum, s) => sum + s.postcodes, 0);
    const names = shares.map((s) => s.name);
    let pick = shares.find((s) => s.code === chosen) || null;
    const chose = pick !== null;
    if (!pick && (shares.length === 1 || shares[0].postcodes >= MOSTLY * total)) {
      pick = shares[0];
    }
    if (!pick) {
      return { code: null, choices: shares, explanation: `${lead}${what} spans ${join(names)}: choose the borough.` };
    }
    let text;
    if (shares.length === 1) {
      text = `${lead}${what} lies in ${pick.name}.`;
    } else if (pick === shares[0] && !chose) {
      const others = join(shares.slice(1).map((s) => s.name));
      text = `${lead}${what} lies mostly in ${pick.name} (${pick.postcodes.toLocaleString('en-GB')} of its ${total.toLocaleString('en-GB')} London postcodes; the rest in ${others}).`;
    } else {
      text = `${lead}${what} spans ${join(names)}; you chose ${pick.name}.`;
    }
    return { code: pick.code, explanation: text };
  }

  function unitsStartingWith(byAuthority, letter) {
    const kept = {};
    for (const [code, units] of Object.entries(byAuthority)) {
      const matching = units.match(/../g).filter((unit) => unit[0] === letter).join('');
      if (matching) {
        kept[code] = matching;
      }
    }
    return kept;
  }

  const NOT_IN_TABLE = 'is not among London\u2019s postcodes in the copy kept offline. The directory covers London only: check it, enter its district or choose a borough, or search again when back online.';

  function byPostcode(typed, chosen, table, names) {
    const sector = typed.text.slice(0, -2);
    const unit = typed.text.slice(-2);
    const bySector = table.sectors[sector];
    if (!bySector) {
      throw new PlaceError(`${typed.text} ${NOT_IN_TABLE}`);
    }
    for (const [code, units] of Object.entries(bySector)) {
      for (let i = 0; i < units.length; i += 2) {
        if (units.slice(i, i + 2) === unit) {
          return code in names ? { code, postcode: typed.text } : { code: null, outside: table.authorities[code] || code };
        }
      }
    }
    const found = parts([bySector]);
    const shares = sharesOf(found, names);
    if (!shares.length) {
      return outside(found, table);
    }
    const lead = `${typed.text} is not in the ONS Postcode Directory; `;
    if (shares.length > 1 && !shares.some((s) => s.code === chosen)) {
      const beside = sharesOf(parts([unitsStartingWith(bySector, unit[0])]), names);
      if (beside.length === 1) {
        return {
          code: beside[0].code,
          explanation: `${lead}its sector ${sector} spans ${join(shares.map((s) => s.name))}, and the postcodes beside it (${typed.text.slice(0, -1)}\u2026) lie in ${beside[0].name}.`,
        };
      }
    }
    return settle(`its sector ${sector}`, shares, chosen, lead);
  }

  function byArea(typed, chosen, table, names) {
    const what = `The postcode ${typed.kind} ${typed.text}`;
    const sectors = typed.kind === 'sector'
      ? [table.sectors[typed.text]].filter(Boolean)
      : Object.keys(table.sectors).filter((s) => s.split(' ')[0] === typed.text).map((s) => table.sectors[s]);
    if (!sectors.length) {
      throw new PlaceError(`${what} ${NOT_IN_TABLE}`);
    }
    const found = parts(sectors);
    const shares = sharesOf(found, names);
    if (!shares.length) {
      return outside(found, table);
    }
    return settle(what, shares, chosen, '');
  }

  /** A postcode, sector, district or borough name (or a chosen borough's code alone) to a
   * London borough ``{code, explanation}``, a choice ``{code: null, choices, explanation}``
   * or a place outside London ``{code: null, outside}``; a PlaceError says what is wrong. */
  function resolve(typedPlace, chosen, table, names) {
    if (chosen && !(chosen in names)) {
      throw new PlaceError('Choose a borough from the list.');
    }
    if (!typedPlace) {
      return { code: chosen };
    }
    const typed = parsePlace(typedPlace);
    if (typed.kind === 'name') {
      return byName(typed, chosen, names);
    }
    if (typed.kind === 'postcode') {
      return byPostcode(typed, chosen, table, names);
    }
    return byArea(typed, chosen, table, names);
  }

  return { PlaceError, parsePlace, resolve };
}());
