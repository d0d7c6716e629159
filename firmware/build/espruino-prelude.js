/* pillcap Espruino prelude (ES5): the few built-ins the lowered firmware needs and Espruino lacks. Each is
   installed only when missing, so on a full engine this prelude changes nothing. Map and Set are minimal:
   insertion-ordered arrays with linear search (the firmware's maps hold a handful of keys), `size` is a
   plain field (no getter), iteration through the "@@iterator" method that SWC's loose helpers look for when
   Symbol is absent. PillcapError is the base the build puts in place of native Error subclassing: Espruino cannot
   subclass Error natively, while a plain constructor whose prototype chains to Error.prototype keeps
   `instanceof Error`, `.message`, `.name` and `String(error)` working. */
(function (g) {
  // The bundle reaches the global object as `globalThis`; engines without it (older Espruino) get an alias.
  if (typeof globalThis === 'undefined') g.globalThis = g;
  function sameValueZero(a, b) {
    return a === b || (a !== a && b !== b);
  }
  function indexOfKey(keys, key) {
    for (var i = 0; i < keys.length; i++) if (sameValueZero(keys[i], key)) return i;
    return -1;
  }
  function arrayIterator(items) {
    var i = 0;
    var it = {
      next: function () {
        return i < items.length ? { value: items[i++], done: false } : { value: undefined, done: true };
      }
    };
    it['@@iterator'] = function () {
      return it;
    };
    return it;
  }
  function forEachOf(source, fn) {
    if (source === undefined || source === null) return;
    if (typeof source['@@iterator'] === 'function') {
      var it = source['@@iterator']();
      for (var step = it.next(); !step.done; step = it.next()) fn(step.value);
      return;
    }
    for (var i = 0; i < source.length; i++) fn(source[i]);
  }

  function PMap(entries) {
    this.k_ = [];
    this.v_ = [];
    this.size = 0;
    var self = this;
    forEachOf(entries, function (e) {
      self.set(e[0], e[1]);
    });
  }
  PMap.prototype.get = function (key) {
    var i = indexOfKey(this.k_, key);
    return i < 0 ? undefined : this.v_[i];
  };
  PMap.prototype.has = function (key) {
    return indexOfKey(this.k_, key) >= 0;
  };
  PMap.prototype.set = function (key, value) {
    var i = indexOfKey(this.k_, key);
    if (i < 0) {
      this.k_.push(key);
      this.v_.push(value);
      this.size = this.k_.length;
    } else this.v_[i] = value;
    return this;
  };
  PMap.prototype['delete'] = function (key) {
    var i = indexOfKey(this.k_, key);
    if (i < 0) return false;
    this.k_.splice(i, 1);
    this.v_.splice(i, 1);
    this.size = this.k_.length;
    return true;
  };
  PMap.prototype.clear = function () {
    this.k_ = [];
    this.v_ = [];
    this.size = 0;
  };
  PMap.prototype.forEach = function (fn, thisArg) {
    for (var i = 0; i < this.k_.length; i++) fn.call(thisArg, this.v_[i], this.k_[i], this);
  };
  PMap.prototype.keys = function () {
    return arrayIterator(this.k_.slice());
  };
  PMap.prototype.values = function () {
    return arrayIterator(this.v_.slice());
  };
  PMap.prototype.entries = function () {
    var out = [];
    for (var i = 0; i < this.k_.length; i++) out.push([this.k_[i], this.v_[i]]);
    return arrayIterator(out);
  };
  PMap.prototype['@@iterator'] = PMap.prototype.entries;

  function PSet(values) {
    this.v_ = [];
    this.size = 0;
    var self = this;
    forEachOf(values, function (v) {
      self.add(v);
    });
  }
  PSet.prototype.has = function (value) {
    return indexOfKey(this.v_, value) >= 0;
  };
  PSet.prototype.add = function (value) {
    if (indexOfKey(this.v_, value) < 0) {
      this.v_.push(value);
      this.size = this.v_.length;
    }
    return this;
  };
  PSet.prototype['delete'] = function (value) {
    var i = indexOfKey(this.v_, value);
    if (i < 0) return false;
    this.v_.splice(i, 1);
    this.size = this.v_.length;
    return true;
  };
  PSet.prototype.clear = function () {
    this.v_ = [];
    this.size = 0;
  };
  PSet.prototype.forEach = function (fn, thisArg) {
    for (var i = 0; i < this.v_.length; i++) fn.call(thisArg, this.v_[i], this.v_[i], this);
  };
  PSet.prototype.values = function () {
    return arrayIterator(this.v_.slice());
  };
  PSet.prototype.keys = PSet.prototype.values;
  PSet.prototype['@@iterator'] = PSet.prototype.values;

  if (typeof g.Map !== 'function') g.Map = PMap;
  if (typeof g.Set !== 'function') g.Set = PSet;

  if (typeof Number.isInteger !== 'function') {
    Number.isInteger = function (x) {
      return typeof x === 'number' && isFinite(x) && Math.floor(x) === x;
    };
  }
  if (typeof Number.MAX_SAFE_INTEGER !== 'number') Number.MAX_SAFE_INTEGER = 9007199254740991;
  if (typeof Array.from !== 'function') {
    Array.from = function (source, mapFn, thisArg) {
      var out = [];
      forEachOf(source, function (v) {
        out.push(mapFn ? mapFn.call(thisArg, v, out.length) : v);
      });
      return out;
    };
  }
  if (typeof Object.entries !== 'function') {
    Object.entries = function (o) {
      var keys = Object.keys(o);
      var out = [];
      for (var i = 0; i < keys.length; i++) out.push([keys[i], o[keys[i]]]);
      return out;
    };
  }
  if (typeof Object.values !== 'function') {
    Object.values = function (o) {
      var keys = Object.keys(o);
      var out = [];
      for (var i = 0; i < keys.length; i++) out.push(o[keys[i]]);
      return out;
    };
  }
  if (typeof Object.assign !== 'function') {
    Object.assign = function (target) {
      for (var a = 1; a < arguments.length; a++) {
        var src = arguments[a];
        if (src === undefined || src === null) continue;
        var keys = Object.keys(src);
        for (var i = 0; i < keys.length; i++) target[keys[i]] = src[keys[i]];
      }
      return target;
    };
  }
  if (typeof Math.imul !== 'function') {
    Math.imul = function (a, b) {
      var al = a & 0xffff;
      var bl = b & 0xffff;
      return (al * bl + ((((a >>> 16) * bl + al * (b >>> 16)) & 0xffff) << 16)) | 0;
    };
  }

  if (typeof Math.fround !== 'function' && typeof Float32Array === 'function') {
    var f32 = new Float32Array(1);
    Math.fround = function (x) {
      f32[0] = x;
      return f32[0];
    };
  }
  if (typeof Date.UTC !== 'function') {
    // Days from the civil date (proleptic Gregorian), as in Howard Hinnant's days_from_civil.
    Date.UTC = function (year, month, day, h, mi, sec, ms) {
      var y = year + Math.floor((month || 0) / 12);
      var m = ((month || 0) % 12 + 12) % 12 + 1;
      if (m <= 2) y--;
      var era = Math.floor(y / 400);
      var yoe = y - era * 400;
      var doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + (day === undefined ? 1 : day) - 1;
      var doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
      var days = era * 146097 + doe - 719468;
      return (((days * 24 + (h || 0)) * 60 + (mi || 0)) * 60 + (sec || 0)) * 1000 + (ms || 0);
    };
  }
  // Typed-array methods the firmware calls, on each constructor it uses (Espruino's ArrayBufferView may
  // lack some of them, depending on the build).
  function patchTypedArray(T) {
    if (typeof T !== 'function') return;
    var p = T.prototype;
    function rel(i, len, dflt) {
      if (i === undefined) return dflt;
      i = Math.floor(i) || 0;
      return i < 0 ? Math.max(len + i, 0) : Math.min(i, len);
    }
    if (typeof p.fill !== 'function') {
      p.fill = function (value, start, end) {
        for (var i = rel(start, this.length, 0), e = rel(end, this.length, this.length); i < e; i++) this[i] = value;
        return this;
      };
    }
    if (typeof p.slice !== 'function') {
      p.slice = function (start, end) {
        var s = rel(start, this.length, 0);
        var e = rel(end, this.length, this.length);
        var out = new T(Math.max(e - s, 0));
        for (var i = s; i < e; i++) out[i - s] = this[i];
        return out;
      };
    }
    if (typeof p.copyWithin !== 'function') {
      p.copyWithin = function (target, start, end) {
        var len = this.length;
        var to = rel(target, len, 0);
        var from = rel(start, len, 0);
        var count = Math.min(rel(end, len, len) - from, len - to);
        var i;
        if (from < to && to < from + count) for (i = count - 1; i >= 0; i--) this[to + i] = this[from + i];
        else for (i = 0; i < count; i++) this[to + i] = this[from + i];
        return this;
      };
    }
  }
  if (typeof Uint8Array === 'function') patchTypedArray(Uint8Array);
  if (typeof Uint32Array === 'function') patchTypedArray(Uint32Array);

  function PillcapError(message) {
    this.message = message === undefined ? '' : String(message);
  }
  PillcapError.prototype = Object.create(Error.prototype);
  PillcapError.prototype.constructor = PillcapError;
  PillcapError.prototype.name = 'Error';
  g.PillcapError = PillcapError;
})(typeof globalThis !== 'undefined' ? globalThis : typeof global !== 'undefined' ? global : this);
