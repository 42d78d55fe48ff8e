"""French translations, merged into locale/fr/LC_MESSAGES/django.po by scripts/translate.py."""

FR = {
    "Revoke the selected tokens": "Révoquer les jetons sélectionnés",
    "This token does not have the “%(perm)s” permission.": "Ce jeton n'a pas la permission « %(perm)s ».",
    "A valid API token is required (Authorization: Bearer …).": "Un jeton d'API valide est nécessaire (Authorization: Bearer …).",
    "This token may not do this.": "Ce jeton ne permet pas cette action.",
    "The request is not valid.": "La requête n'est pas valide.",
    "Not found.": "Introuvable.",
    "Read the catalogue": "Lire le catalogue",
    "Read orders (personal data)": "Lire les commandes (données personnelles)",
    "Check in tickets": "Contrôler les billets",
    "name": "nom",
    "start of the token": "début du jeton",
    "To recognise a token.": "Pour reconnaître un jeton.",
    "read the catalogue": "lire le catalogue",
    "read orders": "lire les commandes",
    "check in tickets": "contrôler les billets",
    "created at": "créé le",
    "last used at": "dernière utilisation",
    "revoked at": "révoqué le",
    "API token": "jeton d'API",
    "API tokens": "jetons d'API",
    "Order not found.": "Commande introuvable.",
    "Unknown permission: %(names)s (known: %(known)s).": "Permission inconnue : %(names)s (connues : %(known)s).",
    "Give a token at least one permission.": "Donnez au moins une permission au jeton.",
    "Give the token a name.": "Donnez un nom au jeton.",
    "cart": "panier",
    "Sorry, there are not enough places left.": "Désolé, il ne reste pas assez de places.",
    "This item is not on sale.": "Cet article n'est pas en vente.",
    "Sales for “%(name)s” are not open.": "La vente de « %(name)s » n'est pas ouverte.",
    "Choose a quantity of at least 1.": "Choisissez une quantité d'au moins 1.",
    "You can take at most %(n)d of “%(name)s” per order.": "Vous pouvez prendre au plus %(n)d « %(name)s » par commande.",
    "Choose a date.": "Choisissez une date.",
    "This date has already started.": "Cette date a déjà commencé.",
    "This item has no date.": "Cet article n'a pas de date.",
    "Choose a price.": "Choisissez un tarif.",
    "This price is not available.": "Ce tarif n'est pas disponible.",
    "A donation must be between %(min)s and %(max)s.": "Un don doit être compris entre %(min)s et %(max)s.",
    "secret preview link": "lien secret de prévisualisation",
    "The price “%(name)s” has sales: untick “on sale” instead of deleting it.":
        "Le tarif « %(name)s » a des ventes : décochez « en vente » au lieu de le supprimer.",
    "This product has sales: it can be taken off sale, not deleted.":
        "Ce produit a des ventes : il peut être retiré de la vente, pas supprimé.",
    "Draft (hidden)": "Brouillon (caché)",
    "Preview (secret link and staff only)": "Preview (lien secret et équipe seulement)",
    "Published": "Publié",
    "Ticketing": "Billetterie",
    "Memberships": "Adhésions",
    "section": "rubrique",
    "title": "titre",
    "short name in addresses": "nom court dans les adresses",
    "description": "description",
    "theme": "thème",
    "Events are listed by theme.": "Les événements sont classés par thème.",
    "venue": "lieu",
    "display order": "ordre d'affichage",
    "publication": "publication",
    "event or membership page": "événement ou page d'adhésion",
    "events and membership pages": "événements et pages d'adhésion",
    "start": "début",
    "end": "fin",
    "capacity": "jauge",
    "date": "date",
    "dates": "dates",
    "size": "taille",
    "held or sold": "réservées ou vendues",
    "quota": "contingent",
    "quotas": "contingents",
    "Ticket": "Billet",
    "The Idempotency-Key must have 1 to 200 characters.": "L'en-tête Idempotency-Key doit avoir de 1 à 200 caractères.",
    "Unknown product %(id)s.": "Produit %(id)s inconnu.",
    "Unknown price or date.": "Tarif ou date inconnus.",
    "This Idempotency-Key was already used with another request.":
        "Cette Idempotency-Key a déjà servi pour une autre requête.",
    "An order needs at least one line.": "Une commande a besoin d'au moins une ligne.",
    "Read and write orders (personal data)": "Lire et écrire les commandes (données personnelles)",
    "sales channel": "canal de vente",
    "The amount must be positive and at most what is still due.":
        "Le montant doit être positif et au plus égal à ce qui reste dû.",
    "Cash": "Espèces",
    "Cheque": "Chèque",
    "Bank transfer": "Virement bancaire",
    "Card terminal (box office)": "Terminal de paiement (guichet)",
    "Unknown payment method.": "Moyen de paiement inconnu.",
    "This order expired and its places are no longer available.":
        "Cette commande a expiré et ses places ne sont plus disponibles.",
    "Bank card (sandbox)": "Carte bancaire (bac à sable)",
    "This short name is reserved, choose another.": "Ce nom court est réservé, choisissez-en un autre.",
    "Membership": "Adhésion",
    "Add-on (meal…)": "Complément (repas…)",
    "Donation": "Don",
    "kind": "type",
    "on sale": "en vente",
    "maximum per order": "maximum par commande",
    "Empty: 1 for a membership, 10 otherwise.": "Vide : 1 pour une adhésion, 10 sinon.",
    "sales open": "ouverture des ventes",
    "sales close": "fermeture des ventes",
    "can be bought without a ticket": "peut s'acheter sans billet",
    "For add-ons such as meals.": "Pour les compléments comme les repas.",
    "minimum donation (cents)": "don minimum (centimes)",
    "maximum donation (cents)": "don maximum (centimes)",
    "suggested amounts (cents, comma separated)": "montants suggérés (centimes, séparés par des virgules)",
    "product": "produit",
    "products": "produits",
    "amount (cents)": "montant (centimes)",
    "who may use it": "pour qui",
    "price": "tarif",
    "prices": "tarifs",
    "Text": "Texte",
    "Choice": "Choix",
    "Yes / no": "Oui / non",
    "question": "question",
    "choices (one per line)": "choix (un par ligne)",
    "required": "obligatoire",
    "questions": "questions",
    "“%(name)s” has sales: deactivate it instead of deleting it.":
        "« %(name)s » a des ventes : désactivez-le au lieu de le supprimer.",
    "The price “%(name)s” has sales: deactivate it instead of deleting it.":
        "Le tarif « %(name)s » a des ventes : désactivez-le au lieu de le supprimer.",
    "Retry now": "Réessayer maintenant",
    "Order confirmation": "Confirmation de commande",
    "To send": "À envoyer",
    "Sent": "Envoyé",
    "Failed (gave up)": "Échec (abandonné)",
    "to": "destinataire",
    "state": "état",
    "attempts": "tentatives",
    "next attempt": "prochaine tentative",
    "last error": "dernière erreur",
    "sent at": "envoyé le",
    "outgoing email": "e-mail sortant",
    "outgoing emails": "e-mails sortants",
    "Your order %(code)s — %(organizer)s": "Votre commande %(code)s — %(organizer)s",
    "Your order %(code)s": "Votre commande %(code)s",
    "Hello %(name)s,": "Bonjour %(name)s,",
    "Thank you for your order %(code)s with %(organizer)s. Here is your receipt.":
        "Merci pour votre commande %(code)s auprès de %(organizer)s. Voici votre reçu.",
    "Payment confirmed": "Paiement validé",
    "Total": "Total",
    "See my order": "Voir ma commande",
    "Your order, your receipt and your tickets are always available here:":
        "Votre commande, votre reçu et vos billets restent disponibles ici :",
    "This email was sent from %(noreply)s, an address nobody reads: please do not write to it. "
    "To contact %(organizer)s, write to %(contact)s.":
        "Cet e-mail a été envoyé depuis %(noreply)s, une adresse qui n'est pas consultée : merci de ne pas y "
        "répondre. Pour contacter %(organizer)s, écrivez à %(contact)s.",
    "total": "total",
    "Cancel the selected unpaid orders (releases their places)":
        "Annuler les commandes impayées sélectionnées (libère leurs places)",
    "Awaiting payment": "En attente de paiement",
    "Expired": "Expirée",
    "Cancelled": "Annulée",
    "code": "code",
    "email": "e-mail",
    "phone": "téléphone",
    "language": "langue",
    "total (cents)": "total (centimes)",
    "placed at": "passée le",
    "payment due before": "à payer avant",
    "paid at": "payée le",
    "cancelled at": "annulée le",
    "order": "commande",
    "orders": "commandes",
    "item": "article",
    "answers": "réponses",
    "order line": "ligne de commande",
    "order lines": "lignes de commande",
    "Please accept the terms of sale.": "Merci d'accepter les conditions de vente.",
    "Your cart is empty.": "Votre panier est vide.",
    "“%(name)s” can only be bought with a ticket for the same event.":
        "« %(name)s » ne peut s'acheter qu'avec un billet pour le même événement.",
    "Please give the name and email of each person (“%(name)s”).":
        "Merci d'indiquer le nom et l'e-mail de chaque personne (« %(name)s »).",
    "Please choose one of the offered answers.": "Merci de choisir l'une des réponses proposées.",
    "Please answer “%(q)s”.": "Merci de répondre à « %(q)s ».",
    "Your cart expired and “%(name)s” is no longer available.":
        "Votre panier a expiré et « %(name)s » n'est plus disponible.",
    "Please give your name and email address.": "Merci d'indiquer votre nom et votre adresse e-mail.",
    "A paid order is cancelled with a refund.": "Une commande payée s'annule par un remboursement.",
    "legal name": "raison sociale",
    "address": "adresse",
    "contact email": "e-mail de contact",
    "Buyers' replies go here.": "Les réponses des acheteurs arrivent ici.",
    "no-reply sender": "expéditeur « ne pas répondre »",
    "Emails are sent from this address, with replies to the contact email.":
        "Les e-mails partent de cette adresse, les réponses vont à l'e-mail de contact.",
    "currency": "devise",
    "hold duration (minutes)": "durée de blocage (minutes)",
    "How long items in a cart, and unpaid orders, keep their places.":
        "Combien de temps un panier, puis une commande impayée, gardent leurs places.",
    "presentation": "présentation",
    "terms of sale": "conditions de vente",
    "staff": "équipe",
    "organiser": "organisateur",
    "organisers": "organisateurs",
    "Started": "Commencé",
    "Awaiting the payment service": "En attente du service de paiement",
    "Confirmed": "Confirmé",
    "Failed": "Échoué",
    "payment method": "moyen de paiement",
    "payment service reference": "référence du service de paiement",
    "failure reason": "raison de l'échec",
    "to check by staff": "à vérifier par l'équipe",
    "payment": "paiement",
    "payments": "paiements",
    "Name on the card": "Nom sur la carte",
    "Card number": "Numéro de carte",
    "Expiry (MM/YY)": "Expiration (MM/AA)",
    "Security code": "Code de sécurité",
    "This card number is not valid.": "Ce numéro de carte n'est pas valide.",
    "Sandbox: use one of the test card numbers listed on this page.":
        "Bac à sable : utilisez l'un des numéros de carte de test indiqués sur cette page.",
    "Write the expiry as MM/YY.": "Écrivez l'expiration sous la forme MM/AA.",
    "This card has expired.": "Cette carte a expiré.",
    "The security code has 3 or 4 digits.": "Le code de sécurité a 3 ou 4 chiffres.",
    "Choose a payment method.": "Choisissez un moyen de paiement.",
    "This order can no longer be paid.": "Cette commande ne peut plus être payée.",
    "This payment method is not available for this amount.": "Ce moyen de paiement n'est pas disponible pour ce montant.",
    "The payment service reported %(amount)s %(cur)s instead of what was due.":
        "Le service de paiement a annoncé %(amount)s %(cur)s au lieu du montant dû.",
    "The order was already paid: refund this payment.": "La commande était déjà payée : remboursez ce paiement.",
    "Paid after the order expired and its places were sold: refund it.":
        "Payé après l'expiration de la commande, et ses places ont été vendues : remboursez-le.",
    "Secure payment (sandbox)": "Paiement sécurisé (bac à sable)",
    "Sandbox payment service": "Service de paiement bac à sable",
    "test mode: no real money moves": "mode test : aucun argent réel ne circule",
    "3-D Secure: confirm it is you": "3-D Secure : confirmez que c'est bien vous",
    "Your bank asks you to confirm this payment (sandbox: choose the answer).":
        "Votre banque vous demande de confirmer ce paiement (bac à sable : choisissez la réponse).",
    "Confirm the payment": "Confirmer le paiement",
    "Refuse": "Refuser",
    "Pay now": "Payer maintenant",
    "Cancel and go back to the shop": "Annuler et revenir à la boutique",
    "Test cards": "Cartes de test",
    "Any future expiry date (e.g. 12/34) and any 3-digit code.":
        "N'importe quelle date d'expiration future (par ex. 12/34) et n'importe quel code à 3 chiffres.",
    "approved": "acceptée",
    "declined": "refusée",
    "3-D Secure challenge": "authentification 3-D Secure",
    "approved, the notice arrives late": "acceptée, la notification arrive en retard",
    "approved, the notice arrives twice": "acceptée, la notification arrive deux fois",
    "French": "Français",
    "English": "Anglais",
    "Enter an amount in euros, for example 10 or 12,50.": "Indiquez un montant en euros, par exemple 10 ou 12,50.",
    "Enter a positive amount.": "Indiquez un montant positif.",
    "Enter an amount of at most %(max)s.": "Indiquez un montant d'au plus %(max)s.",
    "Your name": "Votre nom",
    "Your email": "Votre e-mail",
    "Phone (optional)": "Téléphone (facultatif)",
    "Payment method": "Moyen de paiement",
    "I accept the terms of sale": "J'accepte les conditions de vente",
    "Donation to %(org)s (€, optional)": "Don à %(org)s (€, facultatif)",
    "Name": "Nom",
    "Email": "E-mail",
    "Yes": "Oui",
    "No": "Non",
    "You are being sent to the payment page…": "Vous êtes redirigé vers la page de paiement…",
    "Continue to payment": "Continuer vers le paiement",
    "Skip to content": "Aller au contenu",
    "Main menu": "Menu principal",
    "Cart": "Panier",
    "Contact:": "Contact :",
    "Secure online sales with billetterie, free software (AGPL).":
        "Vente en ligne sécurisée avec billetterie, logiciel libre (AGPL).",
    "Your cart": "Votre panier",
    "Back to the shop": "Retour à la boutique",
    "Your items are held for you until %(t)s.": "Vos articles sont réservés pour vous jusqu'à %(t)s.",
    "Item": "Article",
    "Amount": "Montant",
    "Remove": "Retirer",
    "Your details": "Vos coordonnées",
    "Member": "Adhérent",
    "Attendee": "Participant",
    "Support us": "Nous soutenir",
    "You will pay on a secure page; your card details never pass through this site.":
        "Vous paierez sur une page sécurisée ; vos données bancaires ne transitent jamais par ce site.",
    "Read the terms of sale": "Lire les conditions de vente",
    "Review and pay": "Revoir et payer",
    "Confirm": "Confirmer",
    "Preview: not published yet": "Preview : pas encore publié",
    "Added to your cart.": "Ajouté à votre panier.",
    "View cart": "Voir le panier",
    "Sold out": "Complet",
    "Only with a ticket for this event.": "Uniquement avec un billet pour cet événement.",
    "One membership per order: each member gives their own details.":
        "Une adhésion par commande : chaque adhérent donne ses propres coordonnées.",
    "Not on sale at the moment.": "Pas en vente pour le moment.",
    "Amount (€), from %(min)s to %(max)s": "Montant (€), de %(min)s à %(max)s",
    "Suggested:": "Suggestions :",
    "Date": "Date",
    "sold out": "complet",
    "Price": "Tarif",
    "Quantity": "Quantité",
    "Preview": "Preview",
    "Quantity of %(p)s, %(n)s": "Quantité de %(p)s, %(n)s",
    "Nothing is on sale on this page at the moment.": "Rien n'est en vente sur cette page pour le moment.",
    "Add to cart": "Ajouter au panier",
    "Join": "Adhérer",
    "Book": "Réserver",
    "Nothing is on sale at the moment.": "Rien n'est en vente pour le moment.",
    "Organisers": "Organisateurs",
    "Nothing is on sale yet.": "Rien n'est encore en vente.",
    "Order": "Commande",
    "Receipt": "Reçu",
    "Payment in progress": "Paiement en cours",
    "A confirmation email with this receipt and your tickets has been sent to %(email)s.":
        "Un e-mail de confirmation avec ce reçu et vos billets a été envoyé à %(email)s.",
    "A confirmation email with this receipt has been sent to %(email)s.":
        "Un e-mail de confirmation avec ce reçu a été envoyé à %(email)s.",
    "We are waiting for the payment service to confirm your payment. This page updates by itself; "
    "it can take a few minutes.":
        "Nous attendons la confirmation du service de paiement. Cette page se met à jour toute seule ; "
        "cela peut prendre quelques minutes.",
    "Your places stay held until %(t)s.": "Vos places restent réservées jusqu'à %(t)s.",
    "Once it is confirmed you will receive an email with your receipt.":
        "Une fois le paiement confirmé, vous recevrez un e-mail avec votre reçu.",
    "The payment failed": "Le paiement a échoué",
    "Nothing was charged. You can try again, with another card or another method.":
        "Rien n'a été débité. Vous pouvez réessayer, avec une autre carte ou un autre moyen.",
    "Your places are held until %(t)s.": "Vos places sont réservées jusqu'à %(t)s.",
    "This order expired before it was paid": "Cette commande a expiré avant d'être payée",
    "Its places have been released.": "Ses places ont été libérées.",
    "This order was cancelled": "Cette commande a été annulée",
    "Did you leave the payment page without paying? Try again":
        "Vous avez quitté la page de paiement sans payer ? Réessayez",
    "Try again": "Réessayer",
    "Pay %(total)s": "Payer %(total)s",
    "Order placed on %(d)s": "Commande passée le %(d)s",
    "For": "Pour",
    "Download the ticket (PDF)": "Télécharger le billet (PDF)",
    "Buyer:": "Acheteur :",
    "Keep this page's address: it is your receipt and gives access to your tickets.":
        "Gardez l'adresse de cette page : c'est votre reçu, et elle donne accès à vos billets.",
    "Choose at least one item.": "Choisissez au moins un article.",
    "Enter a quantity between 0 and %(n)d.": "Indiquez une quantité entre 0 et %(n)d.",
    "Preview: you see this page and its prices before they are published.":
        "Preview : vous voyez cette page et ses tarifs avant leur publication.",
    "Removed from your cart.": "Retiré de votre panier.",
    "public key (base64)": "clé publique (base64)",
    "public key": "clé publique",
    "ticket signing key": "clé de signature des billets",
    "ticket signing keys": "clés de signature des billets",
    "ticket": "billet",
    "This event has no ticket signing key yet.": "Cet événement n'a pas encore de clé de signature des billets.",
    "Ticket %(serial)s — %(event)s": "Billet %(serial)s — %(event)s",
    "%(start)s to %(end)s": "%(start)s à %(end)s",
    "Ticket QR code": "QR code du billet",
    "Price paid": "Prix payé",
    "Order code": "Code de commande",
    "Ticket no.": "Billet n°",
    "Show this ticket, printed or on your phone, at the entrance. It is valid for one admission.":
        "Présentez ce billet, imprimé ou sur votre téléphone, à l'entrée. Il est valable pour une entrée.",
    # bank payment services (Lyra, SIPS, Paybox, Ogone, PayFiP, Monetico) and their local fakes
    "Test bank payment page": "Page de paiement bancaire de test",
    "a local fake of the bank's service: no real money moves":
        "une imitation locale du service de la banque : aucun argent réel ne circule",
    "Card payment": "Paiement par carte",
    "Pay": "Payer",
    "Payment request refused": "Demande de paiement refusée",
    "This payment method is not available at the moment.": "Ce moyen de paiement n'est pas disponible pour le moment.",
    "Bank card (SystemPay)": "Carte bancaire (SystemPay)",
    "Bank card (PayZen)": "Carte bancaire (PayZen)",
    "Bank card (Sogecommerce)": "Carte bancaire (Sogecommerce)",
    "Bank card (Scellius)": "Carte bancaire (Scellius)",
    "Bank card (Clic&Pay)": "Carte bancaire (Clic&Pay)",
    "Bank card (Mercanet)": "Carte bancaire (Mercanet)",
    "Bank card (Sogenactif)": "Carte bancaire (Sogenactif)",
    "Bank card (Sherlocks)": "Carte bancaire (Sherlocks)",
    "Shop id (vads_site_id, 8 digits)": "Identifiant de la boutique (vads_site_id, 8 chiffres)",
    "Key of this mode (test key in sandbox, production key live)":
        "Clé de ce mode (clé de test en bac à sable, clé de production en réel)",
    "Signature algorithm (hmac_sha256 or sha1)": "Algorithme de signature (hmac_sha256 ou sha1)",
    "As set in the back office; HMAC-SHA-256 unless the bank says otherwise.":
        "Celui choisi dans le back office ; HMAC-SHA-256 sauf indication contraire de la banque.",
    "Payment page URL": "Adresse de la page de paiement",
    "Leave empty unless the bank gives another one.": "Laissez vide sauf si la banque en donne une autre.",
    "the Lyra back office (Gestion › Transactions › Rembourser)":
        "le back office Lyra (Gestion › Transactions › Rembourser)",
    "Merchant id (merchantId, 15 digits)": "Identifiant commerçant (merchantId, 15 chiffres)",
    "Secret key of this mode": "Clé secrète de ce mode",
    "Key version": "Version de la clé",
    "1 unless the bank says otherwise.": "1 sauf indication contraire de la banque.",
    "the SIPS back office (Mercanet, Sogenactif or Sherlocks: Transactions › Rembourser)":
        "le back office SIPS (Mercanet, Sogenactif ou Sherlocks : Transactions › Rembourser)",
    "Bank card (Paybox / Up2Pay)": "Carte bancaire (Paybox / Up2Pay)",
    "the Paybox / Up2Pay back office (Transactions › Remboursement)":
        "le back office Paybox / Up2Pay (Transactions › Remboursement)",
    "Site number (7 digits)": "Numéro de site (7 chiffres)",
    "Rank (2 or 3 digits)": "Rang (2 ou 3 chiffres)",
    "Paybox identifier": "Identifiant Paybox",
    "HMAC key (hexadecimal, from the back office)": "Clé HMAC (hexadécimale, générée dans le back office)",
    "Bank card (Ogone)": "Carte bancaire (Ogone)",
    "the Ogone back office (Operations › Financial history › Refund)":
        "le back office Ogone (Opérations › Historique financier › Remboursement)",
    "PSPID (account name)": "PSPID (nom du compte)",
    "SHA-IN passphrase": "Signature SHA-IN",
    "SHA-OUT passphrase": "Signature SHA-OUT",
    "Hash algorithm (sha1, sha256 or sha512)": "Algorithme de hachage (sha1, sha256 ou sha512)",
    "Bank card (Monetico)": "Carte bancaire (Monetico)",
    "the Monetico back office (Paiements › Rechercher › Rembourser)":
        "le back office Monetico (Paiements › Rechercher › Rembourser)",
    "TPE number (7 characters)": "Numéro de TPE (7 caractères)",
    "Security key (40 characters)": "Clé de sécurité (40 caractères)",
    "Company code (code société)": "Code société",
    # check-in (issue 5)
    'Open': 'Ouvrir',
    'Device': 'Appareil',
    'Scanned': 'Scannés',
    'Not scanned': 'Non scannés',
    'Welcome!': 'Bienvenue !',
    'Already scanned': 'Déjà scanné',
    'Unknown ticket': 'Billet inconnu',
    'Ticket cancelled or replaced': 'Billet annulé ou remplacé',
    'Ticket for another event': "Billet d'un autre événement",
    'Order not paid': 'Commande non payée',
    'Not valid at this entrance or on this date': 'Non valable à cette entrée ou à cette date',
    'Untick to choose the products that enter through this list.': 'Décochez pour choisir les produits qui entrent par cette liste.',
    'None chosen: every date.': 'Aucune choisie : toutes les dates.',
    'Entry': 'Entrée',
    'Undo': 'Annulation',
    'Accepted': 'Accepté',
    'Revoked ticket': 'Billet révoqué',
    'Ticket of another event': "Billet d'un autre événement",
    'Not valid on this list or date': 'Non valable sur cette liste ou à cette date',
    'result': 'résultat',
    'device': 'appareil',
    'received at': 'reçu le',
    'scanned at (offline device)': 'scanné le (appareil hors ligne)',
    'offline': 'hors ligne',
    'double entry': 'double entrée',
    'Two devices let this ticket in while offline.': 'Deux appareils ont laissé entrer ce billet hors ligne.',
    'undone at': 'annulé le',
    'scan': 'passage',
    'scans': 'passages',
    'Too many attempts: wait a minute and try again.': 'Trop de tentatives : attendez une minute et réessayez.',
    'Send at most %(n)d scans at a time.': 'Envoyez au plus %(n)d passages à la fois.',
    'Each scan needs its client id.': 'Chaque passage doit avoir son identifiant client.',
    'Home': 'Accueil',
    'Event': 'Événement',
    'No check-in list yet: add one under Check-in lists.': 'Aucune liste de contrôle : ajoutez-en une dans Listes de contrôle.',
    'open it on a phone with the link #token=… of an API token that has the check-in permission.': "ouvrez-la sur un téléphone avec le lien #token=… d'un jeton d'API qui a la permission de contrôle.",
    'Exports': 'Exports',
    'All': 'Tous',
    'Time': 'Heure',
    'Result': 'Résultat',
    'Online': 'En ligne',
    'Sync': 'Synchroniser',
    'Ready: scan a ticket': 'Prêt : scannez un billet',
    'Scan (USB scanner) or type a ticket number': 'Scannez (douchette USB) ou tapez un numéro de billet',
    'Start the camera': 'Démarrer la caméra',
    'Stop the camera': 'Arrêter la caméra',
    'Cancel this entry': 'Annuler cette entrée',
    'Find by name or order code': 'Chercher par nom ou code de commande',
    'Search': 'Chercher',
    'Double entries': 'Doubles entrées',
    'Offline': 'Hors ligne',
    'to sync': 'à synchroniser',
    'First scan: %(time)s on %(device)s': 'Premier passage : %(time)s sur %(device)s',
    'Open this page with the check-in link given by the organiser.': "Ouvrez cette page avec le lien de contrôle donné par l'organisateur.",
    'Double entry found at sync: %(name)s, first scan %(time)s on %(device)s': 'Double entrée constatée à la synchronisation : %(name)s, premier passage %(time)s sur %(device)s',
    'Could not cancel the entry': "Impossible d'annuler l'entrée",
    'checked offline': 'vérifié hors ligne',
    'Offline scans sent': 'Passages hors ligne envoyés',
    'Not saved on this device: scan again': 'Non enregistré sur cet appareil : scannez à nouveau',
    'This browser refuses the offline database: scans made offline are kept in a smaller storage. Sync often.':
        "Ce navigateur refuse la base de données hors ligne : les passages faits hors ligne sont gardés "
        "dans un espace plus petit. Synchronisez souvent.",
    'This browser keeps nothing for the scanner: do not reload the page while offline.':
        'Ce navigateur ne garde rien pour le scanner : ne rechargez pas la page hors ligne.',
    'not-scanned': 'non-scannes',
    'scanned': 'scannes',
    'tickets': 'billets',
    'Tickets': 'Billets',
    'Checked in': 'Contrôlés',
    'checked in': 'contrôlés',
    'Choose the entrance': "Choisissez l'entrée",
    'The camera could not start.': "La caméra n'a pas pu démarrer.",
    'Entry cancelled': 'Entrée annulée',
    'No ticket found': 'Aucun billet trouvé',
    'This check-in link is no longer valid.': "Ce lien de contrôle n'est plus valable.",
    'Check-in': "Contrôle d'accès",
    'check-in list': 'liste de contrôle',
    'check-in lists': 'listes de contrôle',
    'Check-in list': 'Liste de contrôle',
    'Check-in list not found.': 'Liste de contrôle introuvable.',
    'This ticket has not been checked in on this list.': "Ce billet n'a pas été contrôlé sur cette liste.",
    'Give the list a name.': 'Donnez un nom à la liste.',
    'Choose tickets of this event.': 'Choisissez des billets de cet événement.',
    'Choose dates of this event.': 'Choisissez des dates de cet événement.',
    'all tickets': 'tous les billets',
    'live check-in': 'contrôle en direct',
    'Live check-in': 'Contrôle en direct',
    'Scanner page': 'Page de scan',
    'checked in / tickets': 'contrôlés / billets',
    'By date': 'Par date',
    'Latest scans': 'Derniers passages',
    'Entrance': 'Entrée',
    'Check': 'Vérifier',
    'Buyer': 'Acheteur',
    'Scanned at': 'Scanné le',
    'revoked ticket': 'billet révoqué',
    'revoked tickets': 'billets révoqués',
    'reason': 'motif',
    'event': 'événement',
    'ticket layout': 'mise en page des billets',
    'ticket layouts': 'mises en page des billets',
    'HTML layout': 'mise en page HTML',
    'updated at': 'modifié le',
    'Empty: every event of the organiser without its own layout.': "Vide : tous les événements de l'organisateur sans mise en page propre.",
    'This ticket has not been issued yet (is its order paid?).': "Ce billet n'a pas encore été émis (la commande est-elle payée ?).",
    'Scan': 'Passage',
    # check-in (issue 5)
    'HTML and CSS with these placeholders only:': 'HTML et CSS avec ces champs uniquement :',
    "the organiser's name": "le nom de l'organisateur",
    "the organiser's legal name": "la raison sociale de l'organisateur",
    "the organiser's address": "l'adresse de l'organisateur",
    "the event's title": "le titre de l'événement",
    'the date of the event': "la date de l'événement",
    'the start time': "l'heure de début",
    'the end time (empty when another day)': "l'heure de fin (vide si un autre jour)",
    'the venue': 'le lieu',
    'the ticket and price category (Adult, Student…)': 'le billet et la catégorie de tarif (Adulte, Étudiant…)',
    'the price paid, with its currency': 'le prix payé, avec sa devise',
    "the ticket's unique serial number": 'le numéro de série unique du billet',
    'the order code': 'le code de commande',
    "the attendee's name": 'le nom du participant',
    'the QR code, as an image': 'le QR code, en image',
    'The layout is too long (at most %(n)d characters).': 'La mise en page est trop longue (au plus %(n)d caractères).',
    'Template tags and comments ({% … %}, {# … #}) are not allowed: only {{ placeholders }}.': 'Les balises et commentaires de gabarit ({% … %}, {# … #}) ne sont pas permis : seulement des {{ champs }}.',
    'Unknown placeholder: {{ %(name)s }}.': 'Champ inconnu : {{ %(name)s }}.',
    'A placeholder is not closed: write {{ name }}.': "Un champ n'est pas fermé : écrivez {{ nom }}.",
    'The ticket must show: %(names)s.': 'Le billet doit afficher : %(names)s.',
    'Add to Apple Wallet': 'Ajouter à Apple Wallet',
    'Ticket — %(event)s': 'Billet — %(event)s',
    'Organiser': 'Organisateur',
    'Venue': 'Lieu',
    'Choose an event of this organiser.': 'Choisissez un événement de cet organisateur.',
    # check-in (issue 5)
    'Create a scanner link (phone or laptop)': 'Créer un lien de scan (téléphone ou ordinateur)',
    "Open the link on each phone or laptop used at the door (scan the QR code with the phone's camera). It is shown only once: keep it private, anyone with it can check tickets in. Revoke it under API tokens.": "Ouvrez le lien sur chaque téléphone ou ordinateur utilisé à l'entrée (scannez le QR code avec l'appareil photo du téléphone). Il n'est affiché qu'une fois : gardez-le pour vous, il permet de contrôler les billets. Révoquez-le dans Jetons d'API.",
    'Scanner links': 'Liens de scan',
    'Scanner — %(list)s': 'Scanner — %(list)s',
}

PLURALS = {
    "%(n)d email queued again.": ("%(n)d e-mail remis en file.", "%(n)d e-mails remis en file."),
    "Your ticket is attached to this email, as a PDF. Show it, printed or on your phone, at the entrance.": (
        "Votre billet est joint à cet e-mail, en PDF. Présentez-le, imprimé ou sur votre téléphone, à l'entrée.",
        "Vos %(counter)s billets sont joints à cet e-mail, un PDF chacun. Présentez-les, imprimés ou sur votre "
        "téléphone, à l'entrée.",
    ),
    "%(n)s item": ("%(n)s article", "%(n)s articles"),
}

# payments, part A: method settings, refunds, transfers, Stripe, PayPal
FR.update({
    "Paid, cannot be fulfilled": "Payée, impossible à honorer",
    "Awaiting invoice payment": "En attente du paiement sur facture",
    "test": "test",
    "live": "production",
    "Stored: %(v)s. Leave blank to keep it.": "Enregistré : %(v)s. Laissez vide pour le garder.",
    "Credentials (test and live are kept apart)": "Identifiants (test et production sont séparés)",
    "Credentials": "Identifiants",
    "Save first: the credentials this method needs are asked for on the next page.":
        "Enregistrez d'abord : les identifiants de ce moyen de paiement sont demandés à la page suivante.",
    "Amount to refund (€)": "Montant à rembourser (€)",
    "Bank statement (CSV, ; separated)": "Relevé bancaire (CSV séparé par des ;)",
    "%(r)d payments recorded, %(a)d lines already imported, %(u)d without an order code, %(p)d to check.":
        "%(r)d paiements enregistrés, %(a)d lignes déjà importées, %(u)d sans code de commande, %(p)d à vérifier.",
    "Import a bank statement": "Importer un relevé bancaire",
    "Web shop": "Boutique en ligne",
    "Box office": "Guichet",
    "API": "API",
    "offered": "proposé",
    "web shop": "boutique en ligne",
    "box office": "guichet",
    "mode": "mode",
    "Test (sandbox)": "Test (bac à sable)",
    "Live": "Production",
    "name shown to buyers": "nom affiché aux acheteurs",
    "Leave blank for the method's usual name.": "Laissez vide pour le nom habituel du moyen de paiement.",
    "minimum amount (cents)": "montant minimum (centimes)",
    "maximum amount (cents)": "montant maximum (centimes)",
    "fee, fixed part (cents)": "frais, part fixe (centimes)",
    "fee, proportional part (‰)": "frais, part proportionnelle (‰)",
    "Per thousand of the amount: 15 ‰ = 1.5 %.": "Pour mille du montant : 15 ‰ = 1,5 %.",
    "display order": "ordre d'affichage",
    "instructions for buyers": "instructions pour les acheteurs",
    "days to pay": "délai de paiement (jours)",
    "Bank transfer: how long the order keeps its places.": "Virement : combien de temps la commande garde ses places.",
    "payment methods": "moyens de paiement",
    "fee (cents)": "frais (centimes)",
    "message": "message",
    "reason": "motif",
    "refund": "remboursement",
    "refunds": "remboursements",
    "Refunded": "Remboursé",
    "To do in the payment service's back office": "À faire dans l'espace marchand du prestataire",
    "label": "libellé",
    "outcome": "résultat",
    "bank statement line": "ligne de relevé bancaire",
    "bank statement lines": "lignes de relevé bancaire",
    "Account holder": "Titulaire du compte",
    "IBAN": "IBAN",
    "BIC": "BIC",
    "Pay by invoice": "Paiement sur facture",
    "PayPal": "PayPal",
    "Client ID": "Client ID",
    "Secret": "Secret",
    "Webhook ID": "Webhook ID",
    "Shown by PayPal when you add the webhook.": "Affiché par PayPal quand vous ajoutez le webhook.",
    "Publishable key": "Clé publiable",
    "pk_test_… or pk_live_…": "pk_test_… ou pk_live_…",
    "Secret key": "Clé secrète",
    "sk_test_… or sk_live_…": "sk_test_… ou sk_live_…",
    "Webhook signing secret": "Secret de signature du webhook",
    "whsec_…": "whsec_…",
    "Bank card (Stripe)": "Carte bancaire (Stripe)",
    "%(name)s (fee: %(fee)s)": "%(name)s (frais : %(fee)s)",
    "The payment service cannot be reached; try again in a moment or choose another method.":
        "Le service de paiement ne répond pas ; réessayez dans un instant ou choisissez un autre moyen de paiement.",
    "The payment service cannot be reached; try again in a moment.":
        "Le service de paiement ne répond pas ; réessayez dans un instant.",
    "An automatic refund was started.": "Un remboursement automatique a été lancé.",
    "The payment service reports a refund made outside billetterie.":
        "Le service de paiement signale un remboursement fait en dehors de billetterie.",
    "Only a confirmed payment can be refunded.": "Seul un paiement confirmé peut être remboursé.",
    "Refund it by hand, then mark it done.": "Remboursez à la main, puis marquez-le comme fait.",
    "The file is empty.": "Le fichier est vide.",
    "The file needs a header line with a label column and an amount or credit column (Date;Libellé;Montant).":
        "Le fichier doit avoir une ligne d'en-tête avec une colonne libellé et une colonne montant ou crédit "
        "(Date;Libellé;Montant).",
    "No order code found in the label, or not a credit.": "Aucun code de commande dans le libellé, ou pas un crédit.",
    "Recorded for order %(code)s.": "Enregistré pour la commande %(code)s.",
    "Amount not understood: %(amount)s": "Montant illisible : %(amount)s",
    "The import stopped before the end of the file (the database did not answer). The lines imported so far are in "
    "the list of statement lines; import the same file again to finish: nothing is recorded twice.":
        "L'import s'est arrêté avant la fin du fichier (la base de données n'a pas répondu). Les lignes déjà "
        "importées sont dans la liste des lignes de relevé ; importez à nouveau le même fichier pour terminer : "
        "rien n'est enregistré deux fois.",
    "Payment %(p)s of %(amount)s.": "Paiement %(p)s de %(amount)s.",
    "A CSV file from your bank, ; separated, with a header line such as Date;Libellé;Montant. Each credit whose "
    "label carries an order code records a bank transfer for that order, once: importing the same file again "
    "records nothing twice.":
        "Un fichier CSV de votre banque, séparé par des ;, avec une ligne d'en-tête comme Date;Libellé;Montant. "
        "Chaque crédit dont le libellé porte un code de commande enregistre un virement pour cette commande, une "
        "seule fois : importer à nouveau le même fichier n'enregistre rien en double.",
    "Steps": "Étapes",
    "Summary": "Récapitulatif",
    "Confirmation": "Confirmation",
    "Payment": "Paiement",
    "Order %(code)s: %(total)s to pay by card.": "Commande %(code)s : %(total)s à payer par carte.",
    "Pay %(total)s": "Payer %(total)s",
    "Your card details go straight to the payment service, never through this site.":
        "Vos données de carte vont directement au service de paiement, jamais par ce site.",
    "Test mode: use the card 4242 4242 4242 4242 (3-D Secure: 4000 0000 0000 3220; declined: 4000 0000 0000 0341), "
    "any future expiry and any 3-digit code.":
        "Mode test : utilisez la carte 4242 4242 4242 4242 (3-D Secure : 4000 0000 0000 3220 ; refusée : "
        "4000 0000 0000 0341), une date d'expiration future et un code à 3 chiffres.",
    "Cancel and go back to the order": "Annuler et revenir à la commande",
    "Card payment needs JavaScript. Go back to the order to choose another method.":
        "Le paiement par carte demande JavaScript. Revenez à la commande pour choisir un autre moyen.",
    "The payment did not go through. You can try again.": "Le paiement n'est pas passé. Vous pouvez réessayer.",
    "The card could not be read; try again.": "La carte n'a pas pu être lue ; réessayez.",
    "The card was declined.": "La carte a été refusée.",
    "Test mode": "Mode test",
    "payments on this shop are simulated: no money is taken.":
        "les paiements de cette boutique sont simulés : aucun argent n'est prélevé.",
    "Awaiting your bank transfer": "En attente de votre virement",
    "Reference to write on the transfer": "Référence à indiquer sur le virement",
    "Your places are held until %(d)s; the order is confirmed when the transfer is received.":
        "Vos places sont réservées jusqu'au %(d)s ; la commande est confirmée à réception du virement.",
    "Your places are reserved. The organiser will send you an invoice; the order is confirmed once it is paid.":
        "Vos places sont réservées. L'organisateur vous enverra une facture ; la commande est confirmée une fois "
        "celle-ci payée.",
    "Paid, but the places were no longer available": "Payée, mais les places n'étaient plus disponibles",
    "Your payment arrived after the order expired and its places had been sold. It is being refunded; the "
    "organiser has been told.":
        "Votre paiement est arrivé après l'expiration de la commande et ses places ont été vendues. Il est en cours "
        "de remboursement ; l'organisateur est prévenu.",
    "Pay another way": "Payer autrement",
    "This payment link is not valid.": "Ce lien de paiement n'est pas valide.",
    "This payment is not known.": "Ce paiement est inconnu.",
    "This payment is already finished.": "Ce paiement est déjà terminé.",
    "The order was already paid or cancelled: this payment is refunded.":
        "La commande était déjà payée ou annulée : ce paiement est remboursé.",
    "Paid after the order expired and its places were sold.":
        "Payé après l'expiration de la commande, dont les places ont été vendues.",
    "Refund it in the payment service's back office.": "Remboursez-le dans l'espace marchand du prestataire.",
    "The amount must be positive and at most what is left to refund (%(left)s).":
        "Le montant doit être positif et au plus ce qui reste à rembourser (%(left)s).",
    "This payment method cannot refund part of a payment.":
        "Ce moyen de paiement ne permet pas de rembourser une partie d'un paiement.",
    "This refund is already closed.": "Ce remboursement est déjà clos.",
    "Unknown mode.": "Mode inconnu.",
    "Refund the selected payments in full": "Rembourser entièrement les paiements sélectionnés",
    "Refunded by staff": "Remboursé par l'équipe",
    "Refund a payment": "Rembourser un paiement",
    "Refund": "Rembourser",
    "Amount to refund": "Montant à rembourser",
    "Mark as refunded (done in the payment service's back office)":
        "Marquer comme remboursé (fait dans l'espace marchand du prestataire)",
    "Send again to the payment service": "Renvoyer au service de paiement",
    "Organiser": "Organisateur",
    "Import": "Importer",
    "Reason": "Motif",
    "sales channel": "canal de vente",
})

# PayFiP (DGFiP)
FR.update({
    "Bank card or direct debit (PayFiP)": "Carte bancaire ou prélèvement (PayFiP)",
    "your public accountant's office (PayFiP has no refund API)":
        "auprès de votre comptable public (PayFiP n'offre pas de remboursement en ligne)",
    "Client number (numcli, 6 digits, given by the DGFiP)": "Numéro de client (numcli, 6 chiffres, donné par la DGFiP)",
    "Live mode: W (production) or X (activation)": "Mode réel : W (production) ou X (activation)",
    "Live only; leave empty for W. The sandbox always uses T (test).":
        "Mode réel seulement ; laissez vide pour W. Le bac à sable utilise toujours T (test).",
    "Web service URL": "Adresse du service web",
    "Leave empty unless the DGFiP gives another one.": "Laissez vide sauf si la DGFiP en donne une autre.",
})

# Emails of orders awaiting payment (transfer instructions, invoice requested)
FR.update({
    "Bank transfer instructions": "Instructions de virement",
    "Invoice requested": "Facture demandée",
    "Bank transfer for your order %(code)s — %(organizer)s": "Virement pour votre commande %(code)s — %(organizer)s",
    "Invoice requested for your order %(code)s — %(organizer)s":
        "Facture demandée pour votre commande %(code)s — %(organizer)s",
    "Thank you for your order %(code)s with %(organizer)s. You chose to pay by bank transfer: here is what to send.":
        "Merci pour votre commande %(code)s auprès de %(organizer)s. Vous avez choisi de payer par virement : "
        "voici ce qu'il faut envoyer.",
    "To pay by": "À payer avant le",
    "The order is confirmed when the transfer is received.": "La commande est confirmée à réception du virement.",
    "Your order is always available here:": "Votre commande est toujours disponible ici :",
    "Thank you for your order %(code)s with %(organizer)s. You asked to pay on invoice: your places are reserved, "
    "%(organizer)s will send you an invoice, and the order is confirmed once it is paid.":
        "Merci pour votre commande %(code)s auprès de %(organizer)s. Vous avez demandé à payer sur facture : vos "
        "places sont réservées, %(organizer)s vous enverra une facture, et la commande sera confirmée dès son "
        "paiement.",
})

# Admin links: partial refund, bank statement import
FR.update({
    "Refund all or part of this payment": "Rembourser tout ou partie de ce paiement",
})

# Order page: the pay button's amount includes the method's fee
FR.update({
    "%(total)s in total": "%(total)s au total",
})

# Reissuing a ticket from the order's admin page, and the email with the new ticket
FR.update({
    "Ticket reissued": "Billet réémis",
    "Reissue ticket": "Réémettre le billet",
    "Reissue ticket %(serial)s": "Réémettre le billet %(serial)s",
    "Reissued on %(when)s by %(by)s: %(reason)s": "Réémis le %(when)s par %(by)s : %(reason)s",
    "by": "par",
    "Cancel": "Annuler",
    "For example: lost, stolen, sent to the wrong person.": "Par exemple : perdu, volé, envoyé à la mauvaise personne.",
    "Email the new ticket to the buyer": "Envoyer le nouveau billet à l'acheteur par e-mail",
    "In the buyer's language, with the new ticket attached as a PDF.":
        "Dans la langue de l'acheteur, avec le nouveau billet en PDF joint.",
    "This page is out of date: open it again from the order.":
        "Cette page n'est plus à jour : rouvrez-la depuis la commande.",
    "Ticket %(serial)s reissued: its old PDF, QR code and wallet pass are refused at the door. "
    "The buyer will receive the new ticket by email.":
        "Billet %(serial)s réémis : son ancien PDF, son QR code et son pass Wallet sont refusés à l'entrée. "
        "L'acheteur va recevoir le nouveau billet par e-mail.",
    "Ticket %(serial)s reissued: its old PDF, QR code and wallet pass are refused at the door. "
    "No email was sent: the new ticket is on the buyer's order page.":
        "Billet %(serial)s réémis : son ancien PDF, son QR code et son pass Wallet sont refusés à l'entrée. "
        "Aucun e-mail n'a été envoyé : le nouveau billet est sur la page de commande de l'acheteur.",
    "Ticket %(serial)s (%(label)s) of order %(code)s, bought by %(name)s (%(email)s).":
        "Billet %(serial)s (%(label)s) de la commande %(code)s, achetée par %(name)s (%(email)s).",
    "Attendee: %(attendee)s.": "Participant : %(attendee)s.",
    "Reissuing gives this ticket a new QR code. Its current PDF, QR code and wallet pass — every copy already "
    "sent or printed — will be refused at the door, online and on offline scanners after their next refresh. "
    "Only the new ticket will admit.":
        "Réémettre ce billet lui donne un nouveau QR code. Son PDF, son QR code et son pass Wallet actuels — "
        "toutes les copies déjà envoyées ou imprimées — seront refusés à l'entrée, en ligne et sur les scanners "
        "hors ligne après leur prochain rafraîchissement. Seul le nouveau billet permettra d'entrer.",
    "The order of this ticket is no longer paid: there is no ticket to reissue.":
        "La commande de ce billet n'est plus payée : il n'y a pas de billet à réémettre.",
    "This ticket has already been reissued in the meantime: nothing was changed. Check the order before trying "
    "again.":
        "Ce billet a déjà été réémis entre-temps : rien n'a été modifié. Vérifiez la commande avant de réessayer.",
    "%(organizer)s has reissued a ticket of your order %(code)s. Here is the new one.":
        "%(organizer)s a réémis un billet de votre commande %(code)s. Le voici.",
    "The previous ticket is no longer valid": "L'ancien billet n'est plus valable",
    "Your ticket %(serial)s has been reissued — %(organizer)s": "Votre billet %(serial)s a été réémis — %(organizer)s",
    "Ticket %(serial)s": "Billet %(serial)s",
    "The previous copy of this ticket — its PDF, its QR code and its wallet pass — will be refused at the "
    "entrance. The new ticket is attached to this email, as a PDF: show it, printed or on your phone, at the "
    "entrance.":
        "L'ancienne version de ce billet — son PDF, son QR code et son pass Wallet — sera refusée à l'entrée. "
        "Le nouveau billet est joint à cet e-mail, en PDF : présentez-le, imprimé ou sur votre téléphone, à "
        "l'entrée.",
})

# translate.py used to ship msgmerge's fuzzy guesses: the right French for the one that slipped through
FR.update({
    "The payment service could not be reached.": "Le service de paiement n'a pas pu être joint.",
    "The request contains a forbidden character (NUL).": "La requête contient un caractère interdit (NUL).",
    "This order has received %(amount)s: refund its payments first, then cancel it.":
        "Cette commande a reçu %(amount)s : remboursez d'abord ses paiements, puis annulez-la.",
    "The order reached its due time with %(kept)s of %(total)s received: its places are kept. "
    "Record the rest, or refund the payments and cancel the order.":
        "La commande a atteint son échéance avec %(kept)s sur %(total)s reçus : ses places sont gardées. "
        "Enregistrez le reste, ou remboursez les paiements et annulez la commande.",
    "This order is too large to be paid at once: split it into several orders.":
        "Cette commande est trop importante pour être payée en une fois : répartissez-la en plusieurs commandes.",
    "This file is not a CSV text file: export the statement from your bank as CSV.":
        "Ce fichier n'est pas un fichier texte CSV : exportez le relevé de votre banque en CSV.",
})

# check-in API: what a scanner sends wrong
FR.update({
    "This device already used this scan id for another ticket: give each scan its own id.":
        "Cet appareil a déjà utilisé cet identifiant de passage pour un autre billet : "
        "donnez à chaque passage son propre identifiant.",
    "Give each scan's time with its UTC offset (as 2026-01-01T10:00:00Z).":
        "Donnez l'heure de chaque passage avec son décalage UTC (comme 2026-01-01T10:00:00Z).",
})

# refunds: the refund page submitted twice, a surplus given back, refund notices matched to their refund
FR.update({
    "A refund was made meanwhile: nothing was changed, check the payment before trying again.":
        "Un remboursement a été fait entre-temps : rien n'a été modifié, vérifiez le paiement avant de réessayer.",
    "This page is out of date: open it again from the payment.":
        "Cette page n'est plus à jour : rouvrez-la depuis le paiement.",
    "Already refunded: %(amount)s.": "Déjà remboursé : %(amount)s.",
    "Received %(amount)s beyond the order's total.": "Reçu %(amount)s de plus que le total de la commande.",
    "Give it back to the buyer: this payment method cannot refund part of a payment automatically.":
        "Rendez-le à l'acheteur : ce moyen de paiement ne peut pas rembourser automatiquement une partie "
        "d'un paiement.",
    "An automatic refund of it was started.": "Un remboursement automatique de ce montant a été lancé.",
    "The payment service reports as made a refund recorded here as failed: check it in the payment service's "
    "back office.":
        "Le service de paiement signale comme fait un remboursement enregistré ici comme échoué : vérifiez-le "
        "dans l'espace marchand du prestataire.",
})

# test orders (decision 0010): no sandbox outside the demo unless turned on, test money marked everywhere
FR.update({
    "test order": "commande de test",
    "test payment": "paiement de test",
    "accept test tickets": "accepter les billets de test",
    "Tickets of orders paid in test mode are refused at the door unless this is ticked (for a rehearsal of the "
    "entrance).":
        "Les billets des commandes payées en mode test sont refusés à l'entrée, sauf si cette case est cochée "
        "(pour une répétition du contrôle d'accès).",
    "Test ticket": "Billet de test",
    "Test ticket — not valid for entry": "Billet de test — non valable pour l'entrée",
    "Online payments have not been activated by the organiser yet: only free items can be ordered for now.":
        "Les paiements en ligne ne sont pas encore activés par l'organisateur\u00a0: seuls les articles gratuits "
        "peuvent être commandés pour le moment.",
    "test orders": "commandes de test",
    "Real sales only": "Ventes réelles uniquement",
    "Test orders only": "Commandes de test uniquement",
    "TEST": "TEST",
    "Test order: it was paid in a test mode (the built-in sandbox or a payment service's test credentials): no "
    "real money was received. It is left out of the check-in lists' counts and exports, and its tickets are "
    "refused at the door unless the check-in list accepts test tickets.":
        "Commande de test\u00a0: elle a été payée en mode test (le bac à sable intégré ou les identifiants de test d'un "
        "service de paiement), aucun argent réel n'a été reçu. Elle n'entre ni dans les comptages ni dans les "
        "exports des listes de contrôle, et ses billets sont refusés à l'entrée, sauf si la liste de contrôle "
        "accepte les billets de test.",
    "%(organizer)s has no live payment method: the shop takes test payments only. Orders paid that way are test "
    "orders, refused at the door; no real money is received. Add a method in live mode (or bank transfer) to "
    "sell.":
        "%(organizer)s n'a aucun moyen de paiement réel\u00a0: la boutique ne prend que des paiements de test. Les "
        "commandes ainsi payées sont des commandes de test, refusées à l'entrée, et aucun argent n'est reçu. Pour "
        "vendre, ajoutez un moyen de paiement en mode Production (ou le virement bancaire).",
    "%(organizer)s has no live payment method set up: buyers cannot pay online and only free items can be "
    "ordered. Add a payment method in live mode (or bank transfer) to sell.":
        "%(organizer)s n'a aucun moyen de paiement réel configuré\u00a0: les acheteurs ne peuvent pas payer en ligne et "
        "seuls les articles gratuits peuvent être commandés. Pour vendre, ajoutez un moyen de paiement en mode "
        "Production (ou le virement bancaire).",
    "Test order": "Commande de test",
    "TEST ORDER": "COMMANDE TEST",
    "[TEST ORDER]": "[COMMANDE TEST]",
    "This order was paid in test mode: no real money was received, and its tickets are not valid for entry.":
        "Cette commande a été payée en mode test\u00a0: aucun argent réel n'a été reçu, et ses billets ne sont pas "
        "valables pour l'entrée.",
    "TEST — not valid": "TEST — non valable",
})

FR.update({
    # domain event deliveries (core/events.py), seen by the platform's operators
    "To deliver": "À livrer",
    "Delivered": "Livré",
    "payload": "contenu",
    "subscriber": "abonné",
    "delivered at": "livré le",
    "event delivery": "livraison d'événement",
    "event deliveries": "livraisons d'événements",
})
PLURALS["%(n)d delivery queued again."] = ("%(n)d livraison remise en file.", "%(n)d livraisons remises en file.")

# HTTP hardening (decision 0011): order links guessed
FR.update({
    "Too many wrong order links from your connection: wait a few minutes and try again.":
        "Trop de liens de commande erronés depuis votre connexion\u00a0: patientez quelques minutes et réessayez.",
})

# the API's errors, each declared in its OpenAPI document
FR.update({
    "The request body could not be read: send JSON (Content-Type: application/json).":
        "Le corps de la requête est illisible\u00a0: envoyez du JSON (Content-Type: application/json).",
})

# the bank statement import, a background job with its progress (decision 0011)
FR.update({
    "Waiting to start": "En attente",
    "Importing": "Import en cours",
    "Done": "Terminé",
    "Stopped": "Arrêté",
    "uploaded at": "déposé le",
    "last progress at": "dernière avancée le",
    "finished at": "terminé le",
    "file": "fichier",
    "lines": "lignes",
    "lines read": "lignes lues",
    "payments recorded": "paiements enregistrés",
    "lines already imported": "lignes déjà importées",
    "lines without an order code": "lignes sans code de commande",
    "lines to check": "lignes à vérifier",
    "error": "erreur",
    "bank statement import": "import de relevé bancaire",
    "bank statement imports": "imports de relevés bancaires",
    "Bank statement import": "Import de relevé bancaire",
    "%(done)s of %(total)s lines read.": "%(done)s lignes lues sur %(total)s.",
    "The import stopped (%(error)s). What was imported stays; resume it to go on from where it stopped: nothing is recorded twice.":
        "L'import s'est arrêté (%(error)s). Ce qui a été importé reste\u00a0; reprenez-le pour continuer là où il "
        "s'est arrêté\u00a0: rien n'est enregistré deux fois.",
    "Resume the import": "Reprendre l'import",
    "The statement is imported in the background: you may leave this page, the import goes on. It refreshes itself.":
        "Le relevé est importé en arrière-plan\u00a0: vous pouvez quitter cette page, l'import continue. Elle se "
        "met à jour toute seule.",
    "See the statement lines": "Voir les lignes de relevé",
})

FR.update({
    # the audit trail (core/audit.py) and its timeline on the order and payment pages
    "When": "Quand",
    "Who": "Qui",
    "What": "Quoi",
    "Changes": "Changements",
    "Staff member": "Membre de l'équipe",
    "Payment service notice": "Notification du service de paiement",
    "Scheduled job": "Tâche planifiée",
    "System": "Système",
    "when": "quand",
    "who": "qui",
    "what": "quoi",
    "changes": "changements",
    "audit entry": "entrée du journal d'audit",
    "audit trail": "journal d'audit",
    "history": "historique",
})

FR.update({
    # the order balance (payments/balance.py) and the buyer's order page
    **{("order status", english): french for english, french in {
        "Awaiting payment": "En attente de paiement",
        "Partly paid": "Partiellement payée",
        "Awaiting invoice payment": "En attente du paiement de la facture",
        "Paid": "Payée",
        "Partly refunded": "Partiellement remboursée",
        "Refunded": "Remboursée",
        "Paid, cannot be fulfilled": "Payée, impossible à honorer",
        "Expired": "Expirée",
        "Cancelled": "Annulée",
    }.items()},
    "%(refunded)s of the %(received)s you paid has been refunded to you.":
        "%(refunded)s sur les %(received)s que vous avez payés vous ont été remboursés.",
    "Your tickets remain valid.": "Vos billets restent valables.",
    "%(refunded)s has been refunded to you, to the payment method you used.":
        "%(refunded)s vous ont été remboursés, sur le moyen de paiement utilisé.",
    "The tickets of this order are no longer valid.": "Les billets de cette commande ne sont plus valables.",
})

FR.update({
    "Refund %(amount)s of payment %(psp)s in %(where)s, then mark this refund done (our reference %(ref)s).":
        "Remboursez %(amount)s du paiement %(psp)s dans %(where)s, puis marquez ce remboursement comme fait "
        "(notre référence %(ref)s).",
    "The payment service reported %(amount)s instead of the %(due)s that was due.":
        "Le service de paiement a annoncé %(amount)s au lieu des %(due)s dus.",
})

FR.update({
    # refunds that show (issue 10, item 5): the order refunded, one line refunded, the refund email
    "refunded at": "remboursée le",
    "places released": "places remises en vente",
    "status": "statut",
    "refunds": "remboursements",
    "Choose a line of this order.": "Choisissez une ligne de cette commande.",
    "Only a line of a paid order can be refunded on its own.":
        "Seule une ligne d'une commande payée peut être remboursée à part.",
    "This line has already been refunded.": "Cette ligne a déjà été remboursée.",
    "The refund of a line is at most its amount (%(amount)s).":
        "Le remboursement d'une ligne ne peut dépasser son montant (%(amount)s).",
    "A refund failed after its tickets were taken back: refund it again, or give the money back another way.":
        "Un remboursement a échoué alors que ses billets étaient déjà annulés\u00a0: remboursez à nouveau, "
        "ou rendez l'argent autrement.",
    "Refund the selected payments in full (releases the places of refunded orders)":
        "Rembourser intégralement les paiements sélectionnés (remet en vente les places des commandes remboursées)",
    "Leave it empty to refund the whole line chosen below.":
        "Laissez vide pour rembourser toute la ligne choisie ci-dessous.",
    "For one line of the order (optional)": "Pour une ligne de la commande (facultatif)",
    "No line in particular": "Aucune ligne en particulier",
    "Its ticket is cancelled at once; the rest of the order stays valid.":
        "Son billet est annulé aussitôt\u00a0; le reste de la commande reste valable.",
    "Give the places back to sale": "Remettre les places en vente",
    "The places of the line chosen, or of the whole order once it is refunded in full, can be bought again. "
    "Untick to keep them taken (cancelling the order releases them later).":
        "Les places de la ligne choisie, ou de toute la commande une fois remboursée intégralement, peuvent "
        "être achetées à nouveau. Décochez pour les garder prises (annuler la commande les libère plus tard).",
    "Enter the amount to refund, or choose a line.": "Indiquez le montant à rembourser, ou choisissez une ligne.",
    "Refund of %(amount)s: %(state)s. Order %(code)s: %(status)s.":
        "Remboursement de %(amount)s\u00a0: %(state)s. Commande %(code)s\u00a0: %(status)s.",
    "Cancelled on %(when)s: refunded": "Annulé le %(when)s\u00a0: remboursé",
    "%(status)s: %(refunded)s refunded of %(received)s": "%(status)s\u00a0: %(refunded)s remboursés sur %(received)s",
    "Refund issued": "Remboursement effectué",
    "Refund of your order %(code)s — %(organizer)s": "Remboursement de votre commande %(code)s — %(organizer)s",
    "%(organizer)s has refunded you %(amount)s for your order %(code)s.":
        "%(organizer)s vous a remboursé %(amount)s pour votre commande %(code)s.",
    "Amount refunded": "Montant remboursé",
    "Refunded to": "Remboursé sur",
    "When you receive it": "Délai",
    "Your order is refunded in full: its tickets are no longer valid.":
        "Votre commande est intégralement remboursée\u00a0: ses billets ne sont plus valables.",
    "Your order is refunded in full.": "Votre commande est intégralement remboursée.",
    "This ticket is no longer valid; your other tickets remain valid.":
        "Ce billet n'est plus valable\u00a0; vos autres billets restent valables.",
    "The refunded tickets are cancelled; your other tickets remain valid.":
        "Les billets remboursés sont annulés\u00a0; vos autres billets restent valables.",
    # when a refund reaches the buyer, by how its method settles (payments.selectors.REFUND_DELAYS)
    "within 5 to 10 business days, depending on your bank": "sous 5 à 10 jours ouvrés, selon votre banque",
    "immediately": "immédiatement",
    "by bank transfer, within a few business days": "par virement, sous quelques jours ouvrés",
})
