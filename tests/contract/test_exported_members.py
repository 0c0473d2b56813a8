"""`contract` is the one public surface of the spec reader: what it exports is exactly what `__all__` names
(httpx keeps its own `__all__` honest the same way), and its private modules stay private."""
import contract


def test_all_names_every_public_member() -> None:
    exported = {name for name in dir(contract) if not name.startswith("_")}
    modules = {name for name in exported if type(getattr(contract, name)).__name__ == "module"}
    assert set(contract.__all__) == exported - modules


def test_every_exported_class_and_function_is_defined_in_a_private_module() -> None:
    defined = {name: getattr(contract, name).__module__ for name in contract.__all__
               if callable(getattr(contract, name))}
    assert defined and all(module.startswith("contract._") for module in defined.values()), defined
