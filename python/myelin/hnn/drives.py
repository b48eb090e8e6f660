"""External drives of a Network (the methods Network.add_*_drive, add_tonic_bias) with
HNN-core's checks and messages, raised where the user erred. The drives' spike times are
drawn by the engine at run time (myelin's Philox streams keyed by the drive's
event_seed, its name and the drive cell; not NumPy's draws)."""
import warnings

from myelin.hnn.params import _bias_specs, _drive_specs


class _NetworkDrive(dict):
    """An external drive: name, type, location, n_drive_cells, cell_specific,
    event_seed, conn_seed, target_types, dynamics, weights_ampa, weights_nmda,
    synaptic_delays, probability, space_constant, events (filled per trial by
    simulate_dipole when asked: see docs/hnn-python.md)."""

    def __repr__(self):
        text = f"<External drive '{self['name']}'"
        if "type" in self:
            text += (f"\ndrive class: {self['type']}\ntarget location: {self['location']}"
                     f"\ntarget cell types: {self['target_types']}\nnumber of drive cells: "
                     f"{self['n_drive_cells']}\ncell-specific: {self['cell_specific']}"
                     "\ndynamic parameters:")
            for key, val in self["dynamics"].items():
                text += f"\n\t{key}: {val}"
        return text + ">"


def _check_drive_parameter_values(drive_type, **kw):
    if kw.get("tstop") is not None:
        if kw["tstop"] < 0.0:
            raise ValueError(f"End time of {drive_type} drive cannot be negative")
        if "tstart" in kw and kw["tstop"] < kw["tstart"]:
            raise ValueError(f"Duration of {drive_type} drive cannot be negative")
    if "sigma" in kw and kw["sigma"] < 0.0:
        raise ValueError("Standard deviation cannot be negative")
    if "numspikes" in kw and not kw["numspikes"] > 0:
        raise ValueError("Number of spikes must be greater than zero")
    if "tstart" in kw and kw["tstart"] < 0:
        raise ValueError(f"Start time of {drive_type} drive cannot be negative")
    if "numspikes" in kw and "spike_isi" in kw and "burst_rate" in kw:
        period = 1000.0 / kw["burst_rate"]
        duration = (kw["numspikes"] - 1) * kw["spike_isi"]
        if duration > period:
            raise ValueError(f"Burst duration ({duration}s) cannot be greater than burst "
                             f"period ({period}s)Consider increasing the spike ISI or burst "
                             "rate")


def _get_target_properties(weights_ampa, weights_nmda, synaptic_delays, location,
                           cell_types, probability=1.0):
    weights_ampa = weights_ampa or {}
    weights_nmda = weights_nmda or {}
    by_type = {t: {} for t in set(weights_ampa) | set(weights_nmda)}
    for t, w in weights_ampa.items():
        by_type[t]["ampa"] = w
    for t, w in weights_nmda.items():
        by_type[t]["nmda"] = w
    targets = set(by_type)
    if not targets:
        raise ValueError("No target cell types have been given a synaptic weight for this drive.")
    if location == "distal":
        for t in targets:
            meta = cell_types.get(t, {}).get("cell_metadata", {})
            if meta.get("morpho_type") == "basket" and meta.get("layer") == "5":
                raise ValueError(
                    "Due to physiological/anatomical constraints, a distal drive cannot "
                    "target L5_basket cell types. L5_basket cell types must remain undefined "
                    "by the user in all synaptic weights dictionaries for this drive. "
                    "Therefore, please remove the L5_basket entries from the corresponding "
                    "dictionaries.")
    if isinstance(synaptic_delays, (float, int)) and not isinstance(synaptic_delays, bool):
        delays = {t: synaptic_delays for t in targets}
    else:
        delays = dict(synaptic_delays)
    if set(delays) != targets:
        raise ValueError("synaptic_delays is either a common float or needs to be specified "
                         "as a dict for each of the cell types defined in weights_ampa and "
                         f"weights_nmda ({targets})")
    if isinstance(probability, float):
        probs = {t: probability for t in targets}
    else:
        probs = dict(probability)
    if set(probs) != targets:
        raise ValueError("probability is either a common float or needs to be specified as a "
                         "dict for each of the cell types defined in weights_ampa and "
                         f"weights_nmda ({targets})")
    return targets, by_type, delays, probs


def _check_poisson_rates(rate_constant, targets, all_types):
    if isinstance(rate_constant, dict):
        given = set(rate_constant)
        if not targets.issubset(given):
            raise ValueError(f"Rate constants not provided for all target cell populations "
                             f"({targets})")
        if not given.issubset(all_types):
            raise ValueError(f"Rate constant provided for unknown target cell population: "
                             f"{given.difference(all_types)}")
        for key, val in rate_constant.items():
            if not val > 0.0:
                raise ValueError(f"Rate constant must be positive ({key}, {val})")
    elif not rate_constant > 0.0:
        raise ValueError(f"Rate constant must be positive, got {rate_constant}")


def _new_drive(kind, location, n_drive_cells, event_seed, conn_seed, dynamics,
               weights_ampa, weights_nmda, synaptic_delays, probability):
    d = _NetworkDrive()
    d.update(type=kind, location=location, n_drive_cells=n_drive_cells,
             event_seed=event_seed, conn_seed=conn_seed, dynamics=dynamics, events=[],
             weights_ampa=weights_ampa, weights_nmda=weights_nmda,
             synaptic_delays=synaptic_delays, probability=probability)
    return d


def add_evoked_drive(self, name, *, mu, sigma, numspikes, location, n_drive_cells="n_cells",
                     cell_specific=True, weights_ampa=None, weights_nmda=None,
                     space_constant=3.0, synaptic_delays=0.1, probability=1.0, event_seed=2,
                     conn_seed=3):
    """An 'evoked' drive: each drive cell fires numspikes times, drawn from
    normal(mu, sigma) [ms]; weights [uS] and delays [ms] per target cell type."""
    if not self._legacy_mode:
        _check_drive_parameter_values("evoked", sigma=sigma, numspikes=numspikes)
    d = _new_drive("gaussian" if name == "extgauss" else "evoked", location, n_drive_cells,
                   event_seed, conn_seed, dict(mu=mu, sigma=sigma, numspikes=numspikes),
                   weights_ampa, weights_nmda, synaptic_delays, probability)
    attach_drive(self, name, d, weights_ampa, weights_nmda, location, space_constant,
                 synaptic_delays, n_drive_cells, cell_specific, probability)


def add_poisson_drive(self, name, *, tstart=0, tstop=None, rate_constant, location,
                      n_drive_cells="n_cells", cell_specific=True, weights_ampa=None,
                      weights_nmda=None, space_constant=100.0, synaptic_delays=0.1,
                      probability=1.0, event_seed=2, conn_seed=3):
    """A Poisson drive on [tstart, tstop) at rate_constant [Hz] (one, or per target
    cell type with cell_specific=True)."""
    _check_drive_parameter_values("Poisson", tstart=tstart, tstop=tstop)
    targets, _, _, _ = _get_target_properties(weights_ampa, weights_nmda, synaptic_delays,
                                              location, self.cell_types, probability)
    _check_poisson_rates(rate_constant, targets, self.cell_types.keys())
    if isinstance(rate_constant, dict):
        if not cell_specific:
            raise ValueError("Drives specific to cell types are only possible with "
                             "cell_specific=True and n_drive_cells='n_cells'. Got "
                             f"cell_specific cell_specific={cell_specific} and "
                             f"n_drive_cells={n_drive_cells}.")
    elif cell_specific:
        rate_constant = {t: rate_constant for t in targets}
    d = _new_drive("poisson", location, n_drive_cells, event_seed, conn_seed,
                   dict(tstart=tstart, tstop=tstop, rate_constant=rate_constant),
                   weights_ampa, weights_nmda, synaptic_delays, probability)
    attach_drive(self, name, d, weights_ampa, weights_nmda, location, space_constant,
                 synaptic_delays, n_drive_cells, cell_specific, probability)


def add_bursty_drive(self, name, *, tstart=0, tstart_std=0, tstop=None, location,
                     burst_rate, burst_std=0, numspikes=2, spike_isi=10, n_drive_cells=1,
                     cell_specific=False, weights_ampa=None, weights_nmda=None,
                     synaptic_delays=0.1, space_constant=100.0, probability=1.0,
                     event_seed=2, conn_seed=3, repeats=None, seedcore=None):
    """A rhythmic drive: bursts of numspikes spikes spike_isi [ms] apart at burst_rate
    [Hz] from tstart (jittered by tstart_std, each burst by burst_std [ms]).
    `repeats` and `seedcore` are hnn-core 0.1's names of n_drive_cells and event_seed."""
    if repeats is not None:
        n_drive_cells = repeats
    if seedcore is not None:
        event_seed = seedcore
    if not self._legacy_mode:
        _check_drive_parameter_values("bursty", tstart=tstart, tstop=tstop, sigma=tstart_std,
                                      location=location)
        _check_drive_parameter_values("bursty", sigma=burst_std, numspikes=numspikes,
                                      spike_isi=spike_isi, burst_rate=burst_rate)
    d = _new_drive("bursty", location, n_drive_cells, event_seed, conn_seed,
                   dict(tstart=tstart, tstart_std=tstart_std, tstop=tstop,
                        burst_rate=burst_rate, burst_std=burst_std, numspikes=numspikes,
                        spike_isi=spike_isi),
                   weights_ampa, weights_nmda, synaptic_delays, probability)
    attach_drive(self, name, d, weights_ampa, weights_nmda, location, space_constant,
                 synaptic_delays, n_drive_cells, cell_specific, probability)


def add_spike_train_drive(self, name, *, spike_data, location, weights_ampa=None,
                          weights_nmda=None, synaptic_delays=0.1, space_constant=3.0,
                          probability=1.0, conn_seed=None):
    """A drive of given spike times: spike_data {source name: [times]} or a list of
    (time, gid) tuples; one drive cell per source, each reaching every target."""
    if isinstance(spike_data, dict):
        trains = [sorted(float(t) for t in v) for v in spike_data.values()]
    elif isinstance(spike_data, (list, tuple)):
        by_gid = {}
        for item in spike_data:
            if len(item) != 2:
                raise ValueError("spike_data as a list must hold (time, gid) tuples")
            by_gid.setdefault(int(item[1]), []).append(float(item[0]))
        trains = [sorted(by_gid[g]) for g in sorted(by_gid)]
    else:
        raise TypeError("spike_data must be an instance of dict or list of (time, gid) "
                        f"tuples, got {type(spike_data)} instead.")
    if not trains:
        raise ValueError("spike_data holds no spike trains")
    d = _new_drive("spike_train", location, len(trains), 0,
                   3 if conn_seed is None else conn_seed, dict(spike_times=trains),
                   weights_ampa, weights_nmda, synaptic_delays, probability)
    attach_drive(self, name, d, weights_ampa, weights_nmda, location, space_constant,
                 synaptic_delays, len(trains), False, probability)


def attach_drive(self, name, drive, weights_ampa, weights_nmda, location, space_constant,
                 synaptic_delays, n_drive_cells, cell_specific, probability):
    """Checks the drive's targets, adds its drive cells (gids after every cell and
    earlier drive) and one connection per target cell type and receptor."""
    if name in self.external_drives:
        raise ValueError(f"Drive {name} already defined")
    if not isinstance(probability, (float, dict)):
        raise TypeError(f"probability must be an instance of float or dict, got "
                        f"{type(probability)} instead.")
    targets, weights, delays, probs = _get_target_properties(
        weights_ampa, weights_nmda, synaptic_delays, location, self.cell_types, probability)
    if not targets.issubset(set(self.cell_types)):
        raise ValueError("Allowed drive target cell types are: ", f"{self.cell_types.keys()}")
    targets = [t for t in self.cell_types if t in targets]
    cells = [self.cell_types[t]["cell_object"] for t in targets]
    valid = set.intersection(*[set(c.sections) for c in cells]) | \
        set.intersection(*[set(c.sect_loc) for c in cells])
    if location not in valid:
        from myelin.hnn.network import _check_option
        _check_option("location", location, sorted(valid),
                      extra=f" (the location '{location}' is not defined for one of the "
                            "targeted cells)")
    if self._legacy_mode:
        # Every cell type that has the location (hnn-core also gives L5 basket cells a
        # zero-weight distal connection, which has no synapse to reach here).
        targets = [t for t in self.cell_types
                   if location in self.cell_types[t]["cell_object"].sect_loc or
                   location in self.cell_types[t]["cell_object"].sections]
        for t in targets:
            weights.setdefault(t, {"ampa": 0.0})
            delays.setdefault(t, 0.1)
            probs.setdefault(t, 1.0)
    if cell_specific and n_drive_cells != "n_cells":
        raise ValueError(f"If cell_specific is True, n_drive_cells must equal 'n_cells'. "
                         f"Got {n_drive_cells}.")
    if not cell_specific:
        if not isinstance(n_drive_cells, int):
            raise ValueError(f"If cell_specific is False, n_drive_cells must be of type int. "
                             f"Got {type(n_drive_cells)}.")
        if not n_drive_cells > 0:
            raise ValueError(f"Number of drive cells must be greater than 0. Got {n_drive_cells}.")
    drive["name"], drive["target_types"], drive["cell_specific"] = name, targets, cell_specific
    drive["space_constant"] = space_constant
    if n_drive_cells == "n_cells":
        n_drive_cells = sum(len(self.gid_ranges[t]) for t in targets)
    drive["n_drive_cells"] = n_drive_cells
    self.external_drives[name] = drive
    self._add_cell_type(name, [self.pos_dict["origin"]] * n_drive_cells)
    first = 0
    for k, target in enumerate(targets):
        gids = list(self.gid_ranges[target])
        if cell_specific:
            srcs = list(self.gid_ranges[name])[first:first + len(gids)]
            first += len(gids)
            tgt = [[g] for g in gids]
        else:
            srcs, tgt = name, gids
        for i, receptor in enumerate(weights[target]):
            self.add_connection(src_gids=srcs, target_gids=tgt, loc=location,
                                receptor=receptor, weight=weights[target][receptor],
                                delay=delays[target], lamtha=space_constant,
                                probability=probs[target], conn_seed=drive["conn_seed"] + k)
            if i > 0:  # AMPA and NMDA reach the same cells
                self.connectivity[-1]["src_gids"] = self.connectivity[-2]["src_gids"]


def add_tonic_bias(self, *, cell_type=None, section="soma", bias_name="tonic", amplitude,
                   t0=0, tstop=None):
    """A constant current [nA] into the soma of every cell of the given types from t0 to
    tstop [ms] (None: the end of the run); amplitude a dict {cell type: nA}, or a float
    with cell_type (deprecated in HNN-core)."""
    if cell_type is not None:
        warnings.warn("cell_type argument will be deprecated and removed in future releases. "
                      "Use amplitude as a cell_type:str,amplitude:float dictionary.Read the "
                      "function docustring for more information", DeprecationWarning,
                      stacklevel=2)
        if not isinstance(amplitude, (float, int)):
            raise TypeError(f"amplitude must be an instance of int or float, got "
                            f"{type(amplitude)} instead.")
        amplitude = {cell_type: float(amplitude)}
    elif not isinstance(amplitude, dict):
        raise TypeError(f"amplitude must be an instance of dict, got {type(amplitude)} instead.")
    if len(amplitude) == 0:
        warnings.warn("No bias have been defined, no action taken", UserWarning, stacklevel=2)
        return
    for name, amp in amplitude.items():
        if name not in self.cell_types:
            raise ValueError(f"cell_type must be one of {list(self.cell_types)}. Got {name}")
        biases = self.external_biases.setdefault(bias_name, {})
        if name in biases:
            raise ValueError(f"Bias named {bias_name} already defined for {name}")
        sections = list(self.cell_types[name]["cell_object"].sections)
        if section not in sections:
            raise ValueError(f"section must be one of {sections}. Got {section}.")
        if section != "soma":
            raise ValueError(f"section: myelin's tonic biases reach the soma only, got "
                             f"'{section}'")
        biases[name] = {"amplitude": amp, "t0": t0, "tstop": tstop, "section": section}


def add_drives_from_params(net):
    """The drives and tonic biases a parameter file describes, as HNN-core adds them
    (add_drives_from_params=True)."""
    specs = _drive_specs(net._params, list(net.cell_types), net._legacy_mode)
    biases = _bias_specs(net._params, list(net.cell_types))
    for name in sorted(specs):
        s, dyn = specs[name], specs[name]["dynamics"]
        common = dict(weights_ampa=s["weights_ampa"], weights_nmda=s["weights_nmda"],
                      location=s["location"], event_seed=s["event_seed"],
                      synaptic_delays=s["synaptic_delays"], space_constant=s["space_constant"])
        if s["type"] in ("evoked", "gaussian"):
            net.add_evoked_drive(name, mu=dyn["mu"], sigma=dyn["sigma"],
                                 numspikes=dyn["numspikes"], n_drive_cells=dyn["n_drive_cells"],
                                 cell_specific=s["cell_specific"], **common)
        elif s["type"] == "poisson":
            net.add_poisson_drive(name, tstart=dyn["tstart"], tstop=dyn["tstop"],
                                  rate_constant=dyn["rate_constant"], **common)
        elif s["type"] == "bursty":
            net.add_bursty_drive(name, tstart=dyn["tstart"], tstart_std=dyn["tstart_std"],
                                 tstop=dyn["tstop"], burst_rate=dyn["burst_rate"],
                                 burst_std=dyn["burst_std"], numspikes=dyn["numspikes"],
                                 spike_isi=dyn["spike_isi"], n_drive_cells=dyn["n_drive_cells"],
                                 cell_specific=s["cell_specific"], **common)
    if biases["tonic"]:
        amps = {n: b["amplitude"] for n, b in biases["tonic"].items()}
        last = list(biases["tonic"].values())[-1]
        net.add_tonic_bias(amplitude=amps, t0=last["t0"], tstop=last["tstop"])
    for name, drive in net.external_drives.items():
        drive["event_seed"] += net.gid_ranges[name][0]
