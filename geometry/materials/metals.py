"""Metals: Drude-Lorentz fits to measured n, k (Johnson & Christy 1972; McPeak 2015).

Every model states its data source, the window it was fitted over (``valid_nm``) and its
worst relative error per band (``fit_error``: max |Δε|/|ε| against the measured points),
docs/physics.md §3. The numbers are produced by ``scripts/fit_materials.py`` from the
shared refractiveindex.info tables; rerun it to regenerate them.

The default silver, ``Ag_JC`` (registry alias "Ag"), is deliberately minimal: ε∞ + one
Drude + one Lorentz pole over 400-700 nm, because each pole costs Meep memory bandwidth in
every metal voxel. ``Ag_JC_broad`` (two Lorentz poles, 350-1000 nm) covers wider bands.
Lorentz resonances are bounded to 0.5-12 eV in the fit, so no pole is unphysically fast
(what makes Meep's explicit update unstable; docs/physics.md §3 "Stability").
"""

from __future__ import annotations

from hotlase.geometry.materials.model import MaterialModel, Pole

# BEGIN GENERATED METALS
FITTED_METALS: tuple[MaterialModel, ...] = (
    MaterialModel(
        name='Ag_JC',
        eps_inf=1.0000000000000149,
        poles=(
            Pole('drude', 9.116878485818344, 0.03692849737339354, 1.0),
            Pole('lorentz', 4.98525483331026, 0.20188243872195266, 1.9920897216388487),
        ),
        valid_nm=(400, 700),
        source=(
            'P. B. Johnson & R. W. Christy, Phys. Rev. B 6, 4370 (1972) '
            '(refractiveindex.info Ag_Johnson.yml); hotlase fit: eps_inf + 1 Drude + 1 '
            'Lorentz over 400-700 nm (scripts/fit_materials.py)'
        ),
        fit_error=(
            (400, 450, 0.011),
            (450, 500, 0.011),
            (500, 550, 0.011),
            (550, 700, 0.005325),
        ),
        is_metal=True,
    ),
    MaterialModel(
        name='Ag_JC_drude',
        eps_inf=4.7247979869153856,
        poles=(
            Pole('drude', 9.400586326142522, 0.04726855538423052, 1.0),
        ),
        valid_nm=(400, 700),
        source=(
            'P. B. Johnson & R. W. Christy, Phys. Rev. B 6, 4370 (1972) '
            '(refractiveindex.info Ag_Johnson.yml); hotlase fit: eps_inf + 1 Drude + 0 '
            'Lorentz over 400-700 nm (scripts/fit_materials.py)'
        ),
        fit_error=(
            (400, 450, 0.02228),
            (450, 500, 0.02326),
            (500, 550, 0.0229),
            (550, 700, 0.01226),
        ),
        is_metal=True,
    ),
    MaterialModel(
        name='Ag_JC_broad',
        eps_inf=2.9941711492195706,
        poles=(
            Pole('drude', 9.22102264292092, 0.0007014064909063945, 1.0),
            Pole('lorentz', 1.880059647954447, 1.232165953431555, 0.3558009873914001),
            Pole('lorentz', 4.495613815873765, 0.23442623609597593, 0.8236876330158462),
        ),
        valid_nm=(350, 1000),
        source=(
            'P. B. Johnson & R. W. Christy, Phys. Rev. B 6, 4370 (1972) '
            '(refractiveindex.info Ag_Johnson.yml); hotlase fit: eps_inf + 1 Drude + 2 '
            'Lorentz over 350-1000 nm (scripts/fit_materials.py)'
        ),
        fit_error=(
            (350, 400, 0.00839),
            (400, 500, 0.009194),
            (500, 600, 0.009246),
            (600, 700, 0.006868),
            (700, 1000, 0.009146),
        ),
        is_metal=True,
    ),
    MaterialModel(
        name='Ag_McPeak',
        eps_inf=1.8295756249767032,
        poles=(
            Pole('drude', 9.31037080343436, 0.03048665563995848, 1.0),
            Pole('lorentz', 5.429624865947975, 0.2686890693335085, 1.8177293053281103),
        ),
        valid_nm=(400, 1000),
        source=(
            'K. M. McPeak et al., ACS Photonics 2, 326 (2015) (refractiveindex.info '
            'Ag_McPeak.yml); hotlase fit: eps_inf + 1 Drude + 1 Lorentz over 400-1000 nm '
            '(scripts/fit_materials.py)'
        ),
        fit_error=(
            (400, 500, 0.002992),
            (500, 600, 0.002858),
            (600, 700, 0.003018),
            (700, 1000, 0.00295),
        ),
        is_metal=True,
    ),
    MaterialModel(
        name='Au_JC',
        eps_inf=1.0000095527578745,
        poles=(
            Pole('drude', 8.771453858142669, 0.04777257595586411, 1.0),
            Pole('lorentz', 2.669451915807757, 0.472744192804268, 0.42667651793451644),
            Pole('lorentz', 3.122560985249504, 0.8906877572825593, 1.429111888391652),
            Pole('lorentz', 5.061155821925541, 5.7649744096629724e-11, 3.6945088106494373),
        ),
        valid_nm=(400, 1000),
        source=(
            'P. B. Johnson & R. W. Christy, Phys. Rev. B 6, 4370 (1972) '
            '(refractiveindex.info Au_Johnson.yml); hotlase fit: eps_inf + 1 Drude + 3 '
            'Lorentz over 400-1000 nm (scripts/fit_materials.py)'
        ),
        fit_error=(
            (400, 500, 0.03032),
            (500, 600, 0.03028),
            (600, 700, 0.02089),
            (700, 1000, 0.02904),
        ),
        is_metal=True,
    ),
    MaterialModel(
        name='Au_McPeak',
        eps_inf=5.53942540585997,
        poles=(
            Pole('drude', 9.351676826105592, 0.021015222756809587, 1.0),
            Pole('lorentz', 2.6772890155046376, 0.3886789208713756, 0.3253420868338445),
            Pole('lorentz', 2.9887156783095277, 0.6438863847827112, 0.826090082836303),
            Pole('lorentz', 3.5899756421668045, 0.6995427056367982, 1.5543595627478304),
        ),
        valid_nm=(400, 1000),
        source=(
            'K. M. McPeak et al., ACS Photonics 2, 326 (2015) (refractiveindex.info '
            'Au_McPeak.yml); hotlase fit: eps_inf + 1 Drude + 3 Lorentz over 400-1000 nm '
            '(scripts/fit_materials.py)'
        ),
        fit_error=(
            (400, 500, 0.0182),
            (500, 600, 0.01821),
            (600, 700, 0.005897),
            (700, 1000, 0.01693),
        ),
        is_metal=True,
    ),
    MaterialModel(
        name='Cu_JC',
        eps_inf=4.77464272180325,
        poles=(
            Pole('drude', 9.011311920768739, 0.055856238902171444, 1.0),
            Pole('lorentz', 2.307825757202734, 0.29042185958179917, 0.4139752594502409),
            Pole('lorentz', 2.66226790965869, 0.574796869103886, 0.8668431379440318),
            Pole('lorentz', 3.398569909819171, 0.8723046062022545, 1.5574449409357682),
        ),
        valid_nm=(400, 1000),
        source=(
            'P. B. Johnson & R. W. Christy, Phys. Rev. B 6, 4370 (1972) '
            '(refractiveindex.info Cu_Johnson.yml); hotlase fit: eps_inf + 1 Drude + 3 '
            'Lorentz over 400-1000 nm (scripts/fit_materials.py)'
        ),
        fit_error=(
            (400, 500, 0.05634),
            (500, 600, 0.05616),
            (600, 700, 0.05627),
            (700, 1000, 0.05367),
        ),
        is_metal=True,
    ),
    MaterialModel(
        name='Al_McPeak',
        eps_inf=1.2704095746791353,
        poles=(
            Pole('drude', 11.812509598111102, 0.09988258955981003, 1.0),
            Pole('lorentz', 1.561819052230804, 0.35308842210373653, 4.952792735328795),
            Pole('lorentz', 1.8941050673172584, 1.51507525450256, 8.305032675899582),
        ),
        valid_nm=(300, 1000),
        source=(
            'K. M. McPeak et al., ACS Photonics 2, 326 (2015) (refractiveindex.info '
            'Al_McPeak.yml); hotlase fit: eps_inf + 1 Drude + 2 Lorentz over 300-1000 nm '
            '(scripts/fit_materials.py)'
        ),
        fit_error=(
            (300, 400, 0.01634),
            (400, 500, 0.01646),
            (500, 600, 0.01637),
            (600, 700, 0.01638),
            (700, 1000, 0.0164),
        ),
        is_metal=True,
    ),
)
# END GENERATED METALS

METALS: tuple[MaterialModel, ...] = FITTED_METALS

#: Short registry names: the default model of each metal.
METAL_ALIASES = {"Ag": "Ag_JC", "Au": "Au_JC", "Cu": "Cu_JC", "Al": "Al_McPeak"}
