"""French-sounding names for generated streets, squares, buildings and number plates."""

from __future__ import annotations

import numpy as np

#: People streets and buildings are commonly named after (several of them from Burgundy).
PEOPLE: tuple[str, ...] = (
    "Victor Hugo", "Jean Jaurès", "Jules Ferry", "Gustave Eiffel", "Jean-Philippe Rameau",
    "Bossuet", "Buffon", "Marie Curie", "Louis Pasteur", "Colette", "Lamartine", "Voltaire",
    "Condorcet", "Jean Moulin", "Louise Michel", "Simone Veil", "Pierre Mendès France",
    "Paul Bert", "Anatole France", "Émile Zola", "George Sand", "Jules Verne", "Molière",
    "Jean de La Fontaine", "Lazare Carnot", "Sadi Carnot", "Gaston Roupnel", "Henri Vincenot",
    "François Rude", "Claus Sluter", "Alexis Piron", "Crébillon", "Gustave Courbet",
    "Nicéphore Niépce", "Gaston Bachelard", "Charles de Gaulle", "Georges Clemenceau",
    "Léon Blum", "Jean Monnet", "Robert Schuman", "Aristide Briand", "Albert Camus",
    "Antoine de Saint-Exupéry", "Claude Debussy", "Hector Berlioz", "Maurice Ravel",
    "Camille Claudel", "Berthe Morisot", "Olympe de Gouges", "Rosa Bonheur", "Lucie Aubrac",
    "Pierre Curie", "Paul Langevin", "Jean Macé", "Ferdinand Buisson", "Henri Dunant",
    "Abbé Pierre", "Marcel Pagnol", "Jacques Prévert", "Paul Éluard", "Louis Aragon",
    "Arthur Rimbaud", "Paul Verlaine", "Charles Baudelaire", "Guillaume Apollinaire",
    "Alfred de Musset", "Stendhal", "Honoré de Balzac", "Gustave Flaubert", "Alexandre Dumas",
    "Édith Piaf", "Joséphine Baker", "Jean Zay", "Danielle Casanova", "Pierre Brossolette",
    "Jean Bouhey", "Félix Kir", "Henri Berthelot", "Armand Fallières", "Émile Coste",
    "Auguste Comte", "Blaise Pascal", "René Descartes", "Denis Diderot", "Montesquieu",
)  # fmt: skip

#: Things and places (with their article) streets are commonly named after.
PLACES: tuple[str, ...] = (
    "des Tilleuls", "des Acacias", "des Marronniers", "des Platanes", "des Peupliers",
    "des Érables", "des Charmes", "des Saules", "des Chênes", "des Noyers", "des Cerisiers",
    "des Vignes", "des Vergers", "des Moulins", "du Moulin", "de la Gare", "du Château",
    "de l'Église", "du Stade", "des Écoles", "de la Fontaine", "du Lavoir", "du Puits",
    "de la Mairie", "du Canal", "de l'Ouche", "du Suzon", "de la Tille", "des Jardins",
    "des Prés", "des Champs", "des Rosiers", "des Lilas", "des Glycines", "des Violettes",
    "des Bleuets", "des Coquelicots", "de la Paix", "de la Liberté", "de la République",
    "de l'Égalité", "de la Fraternité", "du 8 Mai 1945", "du 11 Novembre", "du 14 Juillet",
    "de Bourgogne", "de Franche-Comté", "de Champagne", "de Lorraine", "d'Alsace",
    "de Provence", "de Savoie", "du Jura", "du Morvan", "de Beaune", "de Langres", "de Gray",
    "d'Auxonne", "de Paris", "de Lyon", "de Troyes", "de Besançon", "de Chalon", "des Artisans",
    "des Tanneurs", "des Forges", "de la Tuilerie", "des Carrières", "des Combes",
    "de la Côte", "du Plateau", "du Val", "des Coteaux", "de la Prairie", "du Parc",
    "des Cèdres", "des Sorbiers", "des Aubépines", "des Genêts", "des Mésanges",
    "des Hirondelles", "des Alouettes", "du Soleil", "de la Croix", "du Calvaire",
)  # fmt: skip

ARTERIAL_PREFIXES: tuple[str, ...] = ("Avenue", "Boulevard")
COLLECTOR_PREFIXES: tuple[str, ...] = ("Avenue", "Rue")
RESIDENTIAL_PREFIXES: tuple[str, ...] = ("Rue",)
PATH_PREFIXES: tuple[str, ...] = ("Allée", "Chemin", "Voie verte", "Promenade")
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"


class NameBook:
    """Draws names without repeating one within a municipality."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def _pick(self, pool: tuple[str, ...]) -> str:
        return pool[int(self._rng.integers(len(pool)))]

    def street(self, prefixes: tuple[str, ...]) -> str:
        for _attempt in range(200):
            body = self._pick(PEOPLE if self._rng.random() < 0.5 else PLACES)
            name = f"{self._pick(prefixes)} {body}"
            if name not in self._used:
                self._used.add(name)
                return name
        # Only a very dense grid (a load-test scale) runs out of distinct names.
        name = f"{self._pick(prefixes)} {self._pick(PLACES)} {len(self._used) + 1}"
        self._used.add(name)
        return name

    def square(self, town_hall: bool = False) -> str:
        if town_hall and "Place de l'Hôtel de Ville" not in self._used:
            self._used.add("Place de l'Hôtel de Ville")
            return "Place de l'Hôtel de Ville"
        return self.street(("Place",))

    def person(self) -> str:
        return self._pick(PEOPLE)


def plate_numbers(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct French registration plates (SIV format, ``AB-123-CD``)."""
    plates: list[str] = []
    seen: set[str] = set()
    while len(plates) < count:
        letters = [_PLATE_LETTERS[int(i)] for i in rng.integers(len(_PLATE_LETTERS), size=4)]
        digits = int(rng.integers(1, 1000))
        plate = f"{letters[0]}{letters[1]}-{digits:03d}-{letters[2]}{letters[3]}"
        if plate not in seen:
            seen.add(plate)
            plates.append(plate)
    return plates
