

def test_stochastic_release_is_the_same_on_one_and_two_threads():
    def run(threads):
        sim.setup(timestep=0.1, threads=threads)
        src = sim.Population(40, sim.SpikeSourceArray(spike_times=[5.0, 10.0, 15.0, 20.0]))
        cells = sim.Population(30, sim.IF_cond_exp(tau_syn_E=1e9))
        sim.Projection(src, cells, sim.FixedProbabilityConnector(0.5),
                       sim.MultiQuantalSynapse(n=3, U=0.4, tau_rec=30.0, weight=0.001,
                                               delay=1.0), receptor_type="excitatory")
        cells.record("gsyn_exc")
        sim.run(25.0)
        return cells.get_data().segments[0].filter(name="gsyn_exc")[0].magnitude[-1]
    one, two = run(1), run(2)
    assert one.std() > 0 and np.array_equal(one, two)
