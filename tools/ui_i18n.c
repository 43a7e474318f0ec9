/* ui_i18n.c - the web page's words in UNESCO's two working languages: labels of the record kinds,
 * their fields, the creative fields, the 17 Sustainable Development Goals and the choices, the
 * French of the node's messages (matched against the English patterns the node words them
 * in), and the UNESCO region of each country. */
#include "tools/ui.h"

#include <stdio.h>
#include <string.h>

struct entry {
	const char *key;
	struct uccn_ui_words w;
};

static const struct uccn_ui_words *find(const struct entry *t, size_t n, const char *key) {
	for (size_t i = 0; key != NULL && i < n; i++) {
		if (strcmp(t[i].key, key) == 0) {
			return &t[i].w;
		}
	}
	return NULL;
}

#define FIND(table, key) find(table, sizeof(table) / sizeof(table[0]), key)

static const struct entry kinds[] = {
	{"designation", {"Designation", "Désignation"}},
	{"city", {"City", "Ville"}},
	{"best_practice", {"Best practice", "Bonne pratique"}},
	{"event", {"Event", "Événement"}},
	{"project", {"Project", "Projet"}},
	{"report", {"Monitoring report", "Rapport de suivi"}},
	{"role", {"Role", "Rôle"}},
	{"key", {"Key", "Clé"}},
	{"rotation", {"Key rotation", "Rotation de clé"}},
	{"treehead", {"Tree head", "Tête d'arbre"}},
	{"cosignature", {"Cosignature", "Cosignature"}},
	{"alarm", {"Alarm", "Alarme"}},
};

static const struct entry field_labels[] = {
	{"city", {"City", "Ville"}},
	{"name", {"Name", "Nom"}},
	{"country", {"Country", "Pays"}},
	{"field", {"Creative field", "Domaine créatif"}},
	{"fields", {"Creative fields", "Domaines créatifs"}},
	{"year", {"Year", "Année"}},
	{"status", {"Status", "Statut"}},
	{"reason", {"Reason", "Motif"}},
	{"cutoff", {"Cut-off", "Limite"}},
	{"website", {"Website", "Site web"}},
	{"focal_point", {"Focal point", "Point focal"}},
	{"email", {"Email", "Courriel"}},
	{"description", {"Description", "Description"}},
	{"title", {"Title", "Titre"}},
	{"summary", {"Summary", "Résumé"}},
	{"sdgs", {"Sustainable Development Goals", "Objectifs de développement durable"}},
	{"partners", {"Partners", "Partenaires"}},
	{"url", {"Link", "Lien"}},
	{"audience", {"Audience", "Destinataires"}},
	{"starts", {"First day", "Premier jour"}},
	{"ends", {"Last day", "Dernier jour"}},
	{"place", {"Place", "Lieu"}},
	{"type", {"Type of cooperation", "Type de coopération"}},
	{"editors", {"Partner cities that may edit", "Villes partenaires pouvant modifier"}},
	{"period", {"Period", "Période"}},
	{"achievements", {"Achievements", "Réalisations"}},
	{"challenges", {"Challenges", "Défis"}},
	{"opportunities", {"Opportunities", "Perspectives"}},
	{"action_plan", {"Action plan", "Plan d'action"}},
	{"role", {"Role", "Rôle"}},
	{"from", {"From", "Du"}},
	{"to", {"To", "Au"}},
	{"successor", {"Successor key", "Clé suivante"}},
	{"key", {"Key", "Clé"}},
	{"size", {"Size", "Taille"}},
	{"root", {"Root hash", "Empreinte racine"}},
	{"signature", {"Signature", "Signature"}},
	{"root_signature", {"Root signature", "Signature de la racine"}},
	{"evidence", {"Evidence", "Preuve"}},
};

/* The French of the schema's help texts, keyed by their English. */
static const struct entry helps[] = {
	{"the city's public key", {NULL, "la clé publique de la ville"}},
	{"the city's name", {NULL, "le nom de la ville"}},
	{"its country", {NULL, "son pays"}},
	{"the creative field it is designated in", {NULL, "le domaine créatif de sa désignation"}},
	{"the year of designation", {NULL, "l'année de désignation"}},
	{"active or withdrawn", {NULL, "active ou retirée"}},
	{"why the status changed", {NULL, "pourquoi le statut a changé"}},
	{"the city's creative city website", {NULL, "le site web de la ville créative"}},
	{"who answers for the city", {NULL, "qui répond pour la ville"}},
	{"how to reach the focal point", {NULL, "comment joindre le point focal"}},
	{"the city in a few paragraphs", {NULL, "la ville en quelques paragraphes"}},
	{"what it is called", {NULL, "son nom"}},
	{"what was done and what came of it", {NULL, "ce qui a été fait et ce qui en est résulté"}},
	{"the creative fields involved", {NULL, "les domaines créatifs concernés"}},
	{"the Sustainable Development Goals served",
		{NULL, "les objectifs de développement durable servis"}},
	{"who took part", {NULL, "qui y a pris part"}},
	{"the year it took place", {NULL, "l'année où elle a eu lieu"}},
	{"where to read more", {NULL, "où en lire davantage"}},
	{"secretariat: travels to the Secretariat alone, never to a peer city",
		{NULL, "secrétariat : va au Secrétariat seul, jamais à une ville pair"}},
	{"the event's name", {NULL, "le nom de l'événement"}},
	{"the first day", {NULL, "le premier jour"}},
	{"the last day", {NULL, "le dernier jour"}},
	{"where it happens", {NULL, "où il a lieu"}},
	{"what happens", {NULL, "ce qui s'y passe"}},
	{"the project's name", {NULL, "le nom du projet"}},
	{"who takes part", {NULL, "qui y participe"}},
	{"the kind of cooperation", {NULL, "le type de coopération"}},
	{"where the project stands", {NULL, "où en est le projet"}},
	{"what the project does", {NULL, "ce que fait le projet"}},
	{"the partner cities that may edit it",
		{NULL, "les villes partenaires qui peuvent le modifier"}},
	{"the four years covered, e.g. 2019-2023",
		{NULL, "les quatre années couvertes, par exemple 2019-2023"}},
	{"what the city achieved", {NULL, "ce que la ville a réalisé"}},
	{"what stood in the way", {NULL, "ce qui a fait obstacle"}},
	{"what lies ahead", {NULL, "ce qui s'annonce"}},
	{"the plan for the next four years", {NULL, "le plan des quatre prochaines années"}},
	{"always the Secretariat alone, whether set or not",
		{NULL, "toujours le Secrétariat seul, indiqué ou non"}},
	{"the sub-network's creative field", {NULL, "le domaine créatif du sous-réseau"}},
	{"coordinator or deputy", {NULL, "coordinatrice ou adjointe"}},
	{"the mandate's first day", {NULL, "le premier jour du mandat"}},
	{"the mandate's last day", {NULL, "le dernier jour du mandat"}},
};

static const struct entry creative_fields[] = {
	{"crafts_folk_art", {"Crafts and Folk Art", "Artisanat et arts populaires"}},
	{"design", {"Design", "Design"}},
	{"film", {"Film", "Cinéma"}},
	{"gastronomy", {"Gastronomy", "Gastronomie"}},
	{"literature", {"Literature", "Littérature"}},
	{"media_arts", {"Media Arts", "Arts numériques"}},
	{"music", {"Music", "Musique"}},
};

static const struct uccn_ui_words sdgs[17] = {
	{"No Poverty", "Pas de pauvreté"},
	{"Zero Hunger", "Faim « zéro »"},
	{"Good Health and Well-being", "Bonne santé et bien-être"},
	{"Quality Education", "Éducation de qualité"},
	{"Gender Equality", "Égalité entre les sexes"},
	{"Clean Water and Sanitation", "Eau propre et assainissement"},
	{"Affordable and Clean Energy", "Énergie propre et d'un coût abordable"},
	{"Decent Work and Economic Growth", "Travail décent et croissance économique"},
	{"Industry, Innovation and Infrastructure", "Industrie, innovation et infrastructure"},
	{"Reduced Inequalities", "Inégalités réduites"},
	{"Sustainable Cities and Communities", "Villes et communautés durables"},
	{"Responsible Consumption and Production", "Consommation et production responsables"},
	{"Climate Action", "Mesures relatives à la lutte contre les changements climatiques"},
	{"Life Below Water", "Vie aquatique"},
	{"Life on Land", "Vie terrestre"},
	{"Peace, Justice and Strong Institutions", "Paix, justice et institutions efficaces"},
	{"Partnerships for the Goals", "Partenariats pour la réalisation des objectifs"},
};

static const struct entry choices[] = {
	{"active", {"Active", "Active"}},
	{"withdrawn", {"Withdrawn", "Retirée"}},
	{"north-south", {"North-South", "Nord-Sud"}},
	{"south-south", {"South-South", "Sud-Sud"}},
	{"north-south-south", {"North-South-South", "Nord-Sud-Sud"}},
	{"planned", {"Planned", "Prévu"}},
	{"ongoing", {"Ongoing", "En cours"}},
	{"completed", {"Completed", "Achevé"}},
	{"cancelled", {"Cancelled", "Annulé"}},
	{"secretariat", {"The Secretariat only", "Le Secrétariat seulement"}},
	{"coordinator", {"Coordinator", "Coordinatrice"}},
	{"deputy", {"Deputy", "Adjointe"}},
	{"rotated", {"Rotated", "Remplacée"}},
	{"revoked", {"Revoked", "Révoquée"}},
};

const struct uccn_ui_words *uccn_ui_kind_label(const char *kind) {
	return FIND(kinds, kind);
}

const struct uccn_ui_words *uccn_ui_field_label(const char *kind, const char *field) {
	(void)kind;
	return FIND(field_labels, field);
}

const struct uccn_ui_words *uccn_ui_field_help(const char *kind, const char *field) {
	const struct uccn_kind_spec *k = uccn_schema_kind(kind);
	const struct uccn_field_spec *f =
		k != NULL ? uccn_schema_field(k, field, strlen(field)) : NULL;
	return f != NULL ? FIND(helps, f->help) : NULL;
}

const struct uccn_ui_words *uccn_ui_creative_field_label(const char *field) {
	return FIND(creative_fields, field);
}

const struct uccn_ui_words *uccn_ui_sdg_label(int sdg) {
	return sdg >= 1 && sdg <= 17 ? &sdgs[sdg - 1] : NULL;
}

const struct uccn_ui_words *uccn_ui_choice_label(const char *value) {
	return FIND(choices, value);
}

json_t *uccn_ui_words_json(const struct uccn_ui_words *w, const char *fallback) {
	const char *en = w != NULL && w->en != NULL ? w->en : fallback;
	const char *fr = w != NULL && w->fr != NULL ? w->fr : en;
	return json_pack("{s:s, s:s}", "en", en, "fr", fr);
}

/* --- UNESCO regions -------------------------------------------------------------------------- */

static const struct {
	const char *region;
	const char *countries; /* alpha-2 codes, space-separated */
} regions[] = {
	{"africa",
		"AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ GQ ER SZ ET GA GM GH GN GW KE LS LR MG "
		"MW ML MR MU MZ NA NE NG RW ST SN SC SL SO ZA SS TZ TG UG ZM ZW"},
	{"arab_states", "DZ BH EG IQ JO KW LB LY MA OM PS QA SA SD SY TN AE YE"},
	{"asia_pacific", "AF AU BD BT BN KH CN CK FJ IN ID IR JP KI KZ KP KR KG LA MY MV MH FM MN "
			 "MM NR NP NZ "
			 "NU PK PW PG PH WS SG SB LK TJ TH TL TO TM TV UZ VU VN"},
	{"europe_north_america",
		"AL AD AM AT AZ BY BE BA BG CA HR CY CZ DK EE FI FR GE DE GR HU IS IE IL IT LV LT "
		"LU "
		"MT MC ME NL MK NO PL PT MD RO RU SM RS SK SI ES SE CH TR UA GB US"},
	{"latin_america_caribbean", "AG AR BS BB BZ BO BR CL CO CR CU DM DO EC SV GD GT GY HT HN "
				    "JM MX NI PA PY PE KN LC "
				    "VC SR TT UY VE"},
};

const char *uccn_ui_region(const char *country) {
	if (country == NULL || strlen(country) != 2) {
		return NULL;
	}
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++) {
		for (const char *p = regions[i].countries; *p != '\0'; p += p[2] == ' ' ? 3 : 2) {
			if (p[0] == country[0] && p[1] == country[1]) {
				return regions[i].region;
			}
		}
	}
	return NULL;
}

/* --- The node's messages in French ------------------------------------------------------------
 * Each pattern is the English a message is worded in, with %s for the parts that vary; the
 * French uses %1 to %4 for those parts, in any order. A message no pattern matches stays in
 * English (it is still the node's word). */

static const struct {
	const char *en, *fr;
} messages[] = {
	{"%s: %s is not an SDG (1-17)", "%1 : %2 n'est pas un ODD (1-17)"},
	{"%s: item %s is %s, not an SDG (1-17)", "%1 : l'élément %2 est %3, pas un ODD (1-17)"},
	{"%s: needs 1 to %s creative fields, got %s",
		"%1 : il faut de 1 à %2 domaines créatifs, il y en a %3"},
	{"%s: has %s items, at most %s allowed", "%1 : %2 éléments, au plus %3 permis"},
	{"%s: list without items", "%1 : liste sans élément"},
	{"%s: %s is not a creative field (%s)", "%1 : %2 n'est pas un domaine créatif (%3)"},
	{"%s: item %s is empty", "%1 : l'élément %2 est vide"},
	{"%s: %s is listed twice", "%1 : %2 figure deux fois"},
	{"%s: expected %s, got %s", "%1 : attendu %2, reçu %3"},
	{"%s: string without bytes", "%1 : texte vide"},
	{"%s: text is %s bytes, at most %s allowed",
		"%1 : le texte fait %2 octets, au plus %3 permis"},
	{"%s: %s is outside %s", "%1 : %2 est hors de %3"},
	{"%s: %s is not a date (YYYY-MM-DD)", "%1 : %2 n'est pas une date (AAAA-MM-JJ)"},
	{"%s: %s is outside the years %s", "%1 : %2 est hors des années %3"},
	{"%s: %s is not one of: %s", "%1 : %2 n'est pas l'une de ces valeurs : %3"},
	{"%s: unknown field %s", "%1 : champ inconnu %2"},
	{"%s: required, so it cannot be removed", "%1 : obligatoire, il ne peut pas être retiré"},
	{"%s: required", "%1 : obligatoire"},
	{"%s: %s is before %s %s", "%1 : %2 est avant %3 %4"},
	{"%s: a put needs at least one field", "%1 : une écriture demande au moins un champ"},
	{"no %s record has id %s", "aucun enregistrement %1 n'a l'identifiant %2"},
	{"no %s with id %s", "aucun %1 n'a l'identifiant %2"},
	{"unknown kind \"%s\"", "type d'enregistrement inconnu « %1 »"},
	{"nothing to change: give at least one field of %s",
		"rien à changer : donnez au moins un champ de %1"},
	{"not permitted: only its owner %s may change %s %s (author %s)",
		"non permis : seul son propriétaire %1 peut modifier %2 %3 (auteur %4)"},
	{"not permitted: %s %s belongs to %s; %s is neither its owner nor one of its editors",
		"non permis : %1 %2 appartient à %3 ; %4 n'en est ni le propriétaire ni l'un de "
		"ses "
		"éditeurs"},
	{"not permitted: only the Secretariat (the network's root key) writes a %s; %s",
		"non permis : seul le Secrétariat (la clé racine du réseau) écrit un %1 ; %2"},
	{"log in first", "connectez-vous d'abord"},
	{"wrong user name or password", "nom d'utilisateur ou mot de passe incorrect"},
	{"this login link is used, expired or unknown",
		"ce lien de connexion est déjà utilisé, expiré ou inconnu"},
	{"too many failed logins: try again in %s seconds",
		"trop d'échecs de connexion : réessayez dans %1 secondes"},
	{"the request lacks this session's CSRF token",
		"la requête n'a pas le jeton CSRF de cette session"},
	{"a request from another site is refused", "une requête venue d'un autre site est refusée"},
	{"no such route", "route inconnue"},
	{"no such file", "fichier introuvable"},
	{"%s is not allowed here", "%1 n'est pas permis ici"},
	{"the body must be application/json", "le corps doit être en application/json"},
	{"the request body is over %s bytes", "le corps de la requête dépasse %1 octets"},
	{"%s is not deleted", "%1 n'est pas supprimé"},
	{"this city is designated already", "cette ville est déjà désignée"},
	{"only the Secretariat's node (the root key) answers this",
		"seul le nœud du Secrétariat (la clé racine) répond à ceci"},
	{"no field to write", "aucun champ à écrire"},
	{"not permitted", "non permis"},
	{"sdg: %s is not an SDG (1-17)", "sdg : %1 n'est pas un ODD (1-17)"},
	{"q: nothing to search for", "q : rien à chercher"},
};

/* Matches msg against pattern; the parts of %s go to parts (start, length). A %s takes as
 * little as it can, so the literal after it decides where it ends. False also when the budget
 * of steps runs out (the message then stays in English). */
static bool match(const char *pat, const char *msg, const char *parts[4], size_t lens[4],
	size_t *nparts, unsigned long *budget) {
	/* Each %s tries every length: a bound on the tries keeps a message built of many
	 * separators from costing more than a message should. */
	if (*budget == 0) {
		return false;
	}
	(*budget)--;
	if (*pat == '\0') {
		return *msg == '\0';
	}
	if (pat[0] == '%' && pat[1] == 's') {
		if (*nparts == 4) {
			return false;
		}
		size_t k = (*nparts)++;
		parts[k] = msg;
		for (size_t n = 1; msg[n - 1] != '\0'; n++) {
			lens[k] = n;
			if (match(pat + 2, msg + n, parts, lens, nparts, budget)) {
				return true;
			}
		}
		(*nparts)--;
		return false;
	}
	return *pat == *msg && match(pat + 1, msg + 1, parts, lens, nparts, budget);
}

const char *uccn_ui_translate(const char *lang, const char *message, char *buf, size_t len) {
	if (lang == NULL || strcmp(lang, "fr") != 0) {
		return message;
	}
	for (size_t i = 0; i < sizeof(messages) / sizeof(messages[0]); i++) {
		const char *parts[4];
		size_t lens[4], n = 0;
		unsigned long budget = 200000;
		if (!match(messages[i].en, message, parts, lens, &n, &budget)) {
			continue;
		}
		size_t o = 0;
		for (const char *p = messages[i].fr; *p != '\0' && o + 1 < len; p++) {
			if (p[0] == '%' && p[1] >= '1' && p[1] <= '4' && (size_t)(p[1] - '1') < n) {
				size_t k = (size_t)(p[1] - '1');
				size_t m = lens[k] < len - 1 - o ? lens[k] : len - 1 - o;
				memcpy(buf + o, parts[k], m);
				o += m;
				p++;
			} else {
				buf[o++] = *p;
			}
		}
		buf[o] = '\0';
		return buf;
	}
	return message;
}
