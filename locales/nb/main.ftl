product-name = consent-link
footer = Sikret av consent-link. Ingenting deles uten ditt samtykke.
cancel = Avbryt
step-1 = Steg 1 av 3: velg innloggingsmetode
step-2 = Steg 2 av 3: logg inn
step-3 = Steg 3 av 3: samtykke

method-title = Velg hvordan du vil logge inn
method-intro = { $client } ønsker å se noe av den økonomiske informasjonen din. Først må du bekrefte hvem du er.
method-test-bankid = BankID (test)
method-test-bankid-hint = Testmodus: ingen ekte BankID, statiske testdata.
method-none = Ingen innloggingsmetode er tilgjengelig for denne lenken. Ta kontakt med tjenesten som sendte deg hit.

bankid-title = Test-BankID
bankid-intro = Dette er en test. Velg en testperson å logge inn som.
bankid-legend = Testperson
bankid-submit = Logg inn
person-full = Fullstendige data i alle kategorier
person-no-loans = Ingen lån og ingen kjøretøy
person-cancels = Avbryter i BankID
person-fails = Datainnhentingen vil feile

consent-title = Del informasjonen din
consent-intro = { $client } ber om å se:
consent-accept = Del informasjonen min
consent-decline = Avslå
consent-note = Bare det som står her deles, og bare med { $client }.

scope-vehicles = Kjøretøy
scope-vehicles-desc = Kjøretøy du eier, er medeier i eller leaser, fra motorvognregisteret.
scope-unsecured-loans = Usikret gjeld
scope-unsecured-loans-desc = Forbrukslån, kredittkort og rammekreditter fra Gjeldsregisteret.
scope-info = Personopplysninger
scope-info-desc = Navn, fødselsnummer, adresse, sivilstand og statsborgerskap fra Folkeregisteret.
scope-income = Inntekt
scope-income-desc = Lønnsslipper og arbeidsgivere fra a-ordningen.
scope-student-loan = Studielån
scope-student-loan-desc = Saldo, gebyrer og renter på studielånet ditt i Lånekassen.
scope-e-invoices = eFaktura
scope-e-invoices-desc = Fakturaer, beløp og forfallsdatoer fra eFaktura.

result-done-title = Ferdig
result-done = Informasjonen din er nå delt med { $client }.
result-error-title = Ikke fullført
result-cancelled = Du avbrøt. Ingenting ble delt med { $client }.
result-failed = Forespørselen kunne ikke fullføres. Ingenting ble delt med { $client }.
result-continue = Tilbake til { $client }

error-title = Noe gikk galt
error-unknown-client = Denne lenken er ikke gyldig: tjenesten som sendte deg hit, er ukjent. Gå tilbake og prøv igjen.
error-ambiguous-parameter = Denne lenken er ikke gyldig: den har en gjentatt eller motstridende parameter. Gå tilbake og prøv igjen.
error-callback = Denne lenken er ikke gyldig: returadressen stemmer ikke med den som er registrert av tjenesten som sendte deg hit.
error-session-not-found = Denne økten finnes ikke. Start på nytt fra tjenesten som sendte deg hit.
error-session-expired = Denne økten er utløpt. Start på nytt fra tjenesten som sendte deg hit.
error-csrf = Skjemaet kunne ikke bekreftes. Last inn siden på nytt og prøv igjen.
error-out-of-order = Dette steget er ikke tilgjengelig ennå. Følg stegene i rekkefølge.
error-already-completed = Denne økten er allerede fullført. Ingenting mer ble gjort.
error-invalid-form = Skjemaet var ufullstendig. Gå tilbake og prøv igjen.
error-not-found = Denne siden finnes ikke.
error-internal = Det oppstod en uventet feil hos oss. Prøv igjen senere.
error-request-id = Referanse: { $id }

demo-title = consent-link-demo
demo-intro = Denne siden spiller rollen til en långivers nettsted, med den testmodus-baserte demoklienten. Alle flyter bruker test-BankID og statiske testdata.
demo-redirect = Integrasjon med videresending
demo-redirect-en = Start Link på engelsk
demo-redirect-nb = Start Link på norsk
demo-oauth = Start OAuth2-flyten (autorisasjonskode)
demo-iframe = Integrasjon i iframe
demo-iframe-start = Åpne Link i en iframe
demo-iframe-log = Meldinger mottatt fra Link
demo-noscript = Integrasjonen i iframe krever JavaScript på långiverens side. Integrasjonen med videresending ovenfor virker uten.
demo-callback-title = Resultat mottatt
demo-callback-intro = Link sendte disse parameterne til långiverens tilbakekallingsadresse:
demo-back = Tilbake til demoen
