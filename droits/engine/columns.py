"""A simulation built column by column from the entities' input, for batches of thousands of households.

OpenFisca's ``SimulationBuilder.build_from_entities`` is meant for test cases: it checks and parses every value
of every person one at a time and finds each member with ``list.index``, which is quadratic; at 3,000 households
it took more time than the computation itself. Here the same input (``mapping.build_input``) is turned into one
array per variable and period, the entities are declared and joined with arrays (the builder's own vector API,
the one OpenFisca documents for survey data), and the arrays are set with ``Simulation.set_input``, which applies
each variable's own rule (divided or dispatched over the months) exactly as the builder does. Values a household
does not give take the variable's default, as the builder does when another household gives that variable.
"""

from __future__ import annotations

from collections import defaultdict

import numpy

# entity, plural key in the input, and for each role list of the input the role keys of its members in order
# (the first parent is the demandeur, the second the conjoint…; the last key repeats).
GROUPS = (
    ("famille", "familles", {"parents": ("demandeur", "conjoint"), "enfants": ("enfant",)}),
    (
        "foyer_fiscal",
        "foyers_fiscaux",
        {"declarants": ("declarant_principal", "conjoint"), "personnes_a_charge": ("personne_a_charge",)},
    ),
    (
        "menage",
        "menages",
        {
            "personne_de_reference": ("personne_de_reference",),
            "conjoint": ("conjoint",),
            "enfants": ("enfant",),
            "autres": ("autre",),
        },
    ),
)


def _default_column(variable, count: int):
    default = variable.default_value
    if variable.value_type.__name__ == "Enum":
        return numpy.full(count, default.name, dtype=object)
    if variable.value_type.__name__ == "date":
        return numpy.full(count, numpy.datetime64(default, "D"))
    return numpy.full(count, default, dtype=variable.dtype)


def _columns(instances: list[dict], skip) -> dict[tuple[str, str], tuple[list[int], list]]:
    """(variable, period) -> (positions, values) over ``instances`` (the role lists in ``skip`` left out)."""
    columns: dict[tuple[str, str], tuple[list[int], list]] = defaultdict(lambda: ([], []))
    for position, instance in enumerate(instances):
        for name, by_period in instance.items():
            if name in skip:
                continue
            for period, value in by_period.items():
                positions, values = columns[(name, period)]
                positions.append(position)
                values.append(value)
    return columns


def _set_inputs(simulation, tbs, instances: list[dict], skip=()) -> None:
    for (name, period), (positions, values) in _columns(instances, skip).items():
        variable = tbs.get_variable(name, check_existence=True)
        column = _default_column(variable, len(instances))
        if variable.value_type.__name__ == "date":
            column[positions] = numpy.array(values, dtype="datetime64[D]")
        else:
            column[positions] = values
        if variable.value_type.__name__ == "Enum":
            column = column.astype(str)  # names, as the builder gives them (OpenFisca encodes str arrays only)
        simulation.set_input(name, period, column)


def build_simulation(tbs, entities: dict):
    """The simulation of ``entities`` (the input ``mapping.build_input`` makes), built with arrays."""
    # Imported on first use, like the model itself: importing openfisca_core costs about a second, which every
    # process that imports the droits app (all of them: DroitsConfig) would otherwise pay.
    from openfisca_core.simulation_builder import SimulationBuilder  # noqa: PLC0415

    builder = SimulationBuilder()
    builder.create_entities(tbs)
    person_ids = list(entities["individus"])
    position = {person_id: index for index, person_id in enumerate(person_ids)}
    builder.declare_person_entity("individu", person_ids)
    for singular, plural, roles in GROUPS:
        group_ids = list(entities[plural])
        population = builder.declare_entity(singular, group_ids)
        assignment = numpy.empty(len(person_ids), dtype=object)
        member_roles = numpy.empty(len(person_ids), dtype=object)
        for group_id, group in entities[plural].items():
            for role_list, keys in roles.items():
                for rank, person_id in enumerate(group.get(role_list, ())):
                    assignment[position[person_id]] = group_id
                    member_roles[position[person_id]] = keys[min(rank, len(keys) - 1)]
        builder.join_with_persons(population, assignment.astype(str), member_roles.astype(str))
    simulation = builder.build(tbs)
    _set_inputs(simulation, tbs, list(entities["individus"].values()))
    for _singular, plural, roles in GROUPS:
        _set_inputs(simulation, tbs, list(entities[plural].values()), skip=set(roles))
    return simulation
